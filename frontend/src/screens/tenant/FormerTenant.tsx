// For admins: open a tenant id the CRM no longer has (it renamed or removed the tenant), to rename its private
// state to the new id on its administration tab.
import { Button, Field, Flex, Input } from "@chakra-ui/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";

import { useCan } from "src/context/me";
import { paths, usePluginRoot } from "src/context/paths";

import { TENANT_ID_PATTERN } from "./adminText";

export function FormerTenant() {
  const { t } = useTranslation();
  const root = usePluginRoot();
  const navigate = useNavigate();
  const isAdmin = useCan("administer");
  const [id, setId] = useState("");
  if (!isAdmin) return null;
  const valid = TENANT_ID_PATTERN.test(id.trim());
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (valid) navigate(paths.tenant(root, id.trim(), "admin")); }}>
      <Flex gap={3} align="end" wrap="wrap" data-testid="former-tenant-form">
        <Field.Root maxW="sm" invalid={id.trim() !== "" && !valid}>
          <Field.Label>{t("tenant.formerLabel")}</Field.Label>
          <Input size="sm" data-testid="former-id" autoComplete="off" value={id} onChange={(e) => setId(e.currentTarget.value)} />
          <Field.HelperText>{t("tenant.formerFormHint")}</Field.HelperText>
        </Field.Root>
        <Button type="submit" size="sm" variant="outline" disabled={!valid} data-testid="former-open">{t("tenant.formerOpen")}</Button>
      </Flex>
    </form>
  );
}
