// A tenant's administration (the right to administer): rename its id after the CRM renamed the tenant, move it to
// another CleverReach account, erase a person (docs/operations.md, "Tenant lifecycle" and "Erasure on request").
// Each action asks for the tenant id typed; the API refuses what it must (409, with the reason) and changes nothing.
import { Alert, Box, Button, Field, Heading, Input, Link, Stack, Text } from "@chakra-ui/react";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router-dom";

import { api, enc } from "src/api/client";
import type { MoveResult, RenameResult, Tenant } from "src/api/types";
import { paths, usePluginRoot } from "src/context/paths";

import { newIdValid } from "./adminText";
import { ErasureDialog } from "./ErasureDialog";
import { TypedConfirm } from "./TypedConfirm";

function Section({ title, text, children }: { title: string; text: string; children: ReactNode }) {
  return (
    <Box borderWidth="1px" borderColor="border" borderRadius="md" p={4} bg="bg">
      <Heading size="sm" as="h3" mb={1}>{title}</Heading>
      <Text color="fg.muted" fontSize="sm" mb={3}>{text}</Text>
      {children}
    </Box>
  );
}

function Done({ children }: { children: ReactNode }) {
  return (
    <Alert.Root status="success" data-testid="admin-result">
      <Alert.Indicator />
      <Alert.Description>{children}</Alert.Description>
    </Alert.Root>
  );
}

export function AdminTab({ tenantId, tenant }: { tenantId: string; tenant: Tenant | null }) {
  const { t } = useTranslation();
  const root = usePluginRoot();
  const [newId, setNewId] = useState("");
  const connection = tenant?.cleverreach_conn_id ?? `cleverreach_${tenantId}`;

  const rename = async (typed: string): Promise<ReactNode> => {
    const r = await api<RenameResult>(`tenants/${enc(tenantId)}/rename`, {
      method: "POST", body: { new_tenant_id: newId.trim(), confirm: typed },
    });
    const rows = Object.entries(r.rows ?? {}).filter(([, n]) => n).map(([table, n]) => `${table}: ${n}`).join(", ");
    return (
      <Done>
        {r.changed
          ? t("admin.renamed", { old: r.tenant_id, tenant: r.new_tenant_id, rows: rows || "–" })
          : t("admin.renameNothing", { old: r.tenant_id, tenant: r.new_tenant_id })}{" "}
        <Link asChild colorPalette="blue" data-testid="renamed-open">
          <RouterLink to={paths.tenant(root, r.new_tenant_id)}>{t("admin.openTenant", { tenant: r.new_tenant_id })}</RouterLink>
        </Link>
      </Done>
    );
  };

  const move = async (typed: string): Promise<ReactNode> => {
    const r = await api<MoveResult>(`tenants/${enc(tenantId)}/move`, { method: "POST", body: { confirm: typed } });
    return (
      <Done>
        {t("admin.moved", {
          tenant: r.tenant_id,
          accounts: r.released_accounts.length ? r.released_accounts.join(", ") : "–",
          gone: r.lists_marked_gone ?? 0,
          lists: r.lists,
          pending: r.members_pending ?? 0,
        })}
      </Done>
    );
  };

  return (
    <Stack gap={4} data-testid="admin">
      <Section title={t("admin.renameTitle")} text={t("admin.renameText", { tenant: tenantId })}>
        <TypedConfirm
          tenantId={tenantId}
          title={t("admin.renameTitle")}
          body={t("admin.renameBody", { tenant: tenantId })}
          confirmLabel={t("admin.renameOk")}
          ready={newIdValid(tenantId, newId)}
          onSubmit={rename}
          onClosed={() => setNewId("")}
          trigger={<Button size="sm" variant="outline" data-testid="tenant-rename">{t("admin.renameButton")}</Button>}
        >
          <Field.Root required invalid={newId.trim() !== "" && !newIdValid(tenantId, newId)}>
            <Field.Label>{t("admin.newId")}</Field.Label>
            <Input data-testid="rename-new-id" autoComplete="off" value={newId} onChange={(e) => setNewId(e.currentTarget.value)} />
            <Field.HelperText>{t("admin.newIdHint")}</Field.HelperText>
          </Field.Root>
        </TypedConfirm>
      </Section>
      {tenant ? (
        <Section title={t("admin.moveTitle")} text={t("admin.moveText", { connection })}>
          <TypedConfirm
            tenantId={tenantId}
            title={t("admin.moveTitle")}
            body={t("admin.moveBody", { tenant: tenantId, connection })}
            confirmLabel={t("admin.moveOk")}
            onSubmit={move}
            trigger={<Button size="sm" variant="outline" data-testid="tenant-move">{t("admin.moveButton")}</Button>}
          />
        </Section>
      ) : null}
      {tenant ? (
        <Section title={t("admin.eraseTitle")} text={t("admin.eraseText")}>
          <ErasureDialog tenantId={tenantId} zone={tenant.time_zone ?? null} />
        </Section>
      ) : null}
    </Stack>
  );
}
