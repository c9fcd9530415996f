// The first screen: the tenants in the user's scope, each with its last login check (and the button that runs
// one) and its number of lists. A click opens the tenant's lists.
import { Badge, Button, Flex, Link, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useNavigate } from "react-router-dom";

import { api, enc } from "src/api/client";
import type { Tenant } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Frame } from "src/components/Frame";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { useCan, useMe } from "src/context/me";
import { paths, usePluginRoot } from "src/context/paths";
import { FormerTenant } from "src/screens/tenant/FormerTenant";

export function TenantsScreen() {
  const { t } = useTranslation();
  const root = usePluginRoot();
  const me = useMe();
  const navigate = useNavigate();
  const canCheck = useCan("run_syncs");
  const isAdmin = useCan("administer");
  const tenants = useApi<Tenant[]>("tenants");
  const [checking, setChecking] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const check = async (tenant: Tenant) => {
    setChecking(tenant.id);
    setError(null);
    try {
      await api(`tenants/${enc(tenant.id)}/login-check`, { method: "POST" });
      tenants.reload();
    } catch (err) {
      setError(err);
    } finally {
      setChecking(null);
    }
  };

  return (
    <Frame
      crumbs={[{ label: t("tenants.crumb") }]}
      title={t("tenants.title")}
      actions={isAdmin ? <Button asChild size="sm" variant="outline" data-testid="open-access"><RouterLink to={paths.access(root)}>{t("access.open")}</RouterLink></Button> : null}
    >
      <Text color="fg.muted" fontSize="sm" data-testid="who">
        {t("tenants.who", { user: me.user, rights: me.permissions.map((p) => t(`rights.${p}`)).join(", ") })}
        {me.tenants ? ` · ${t("tenants.scope", { tenants: me.tenants.join(", ") })}` : ""}
      </Text>
      <ErrorNote error={error ?? tenants.error} />
      {tenants.loading && !tenants.data ? <Loading /> : null}
      {tenants.data && tenants.data.length === 0 ? <Empty title={t("tenants.empty")} hint={t("tenants.emptyHint")} /> : null}
      {tenants.data && tenants.data.length > 0 ? (
        <Table.Root size="sm" interactive data-testid="tenants">
          <Table.Header>
            <Table.Row>
              <Table.ColumnHeader>{t("tenants.id")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("tenants.name")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("tenants.connection")}</Table.ColumnHeader>
              <Table.ColumnHeader textAlign="end">{t("tenants.lists")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("tenants.loginCheck")}</Table.ColumnHeader>
              <Table.ColumnHeader />
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {tenants.data.map((tenant) => (
              <Table.Row key={tenant.id} data-tenant={tenant.id} cursor="pointer" onClick={() => navigate(paths.tenant(root, tenant.id))}>
                <Table.Cell>
                  <Link asChild colorPalette="blue" onClick={(e) => e.stopPropagation()}>
                    <RouterLink to={paths.tenant(root, tenant.id)}>{tenant.id}</RouterLink>
                  </Link>
                </Table.Cell>
                <Table.Cell>{tenant.name}</Table.Cell>
                <Table.Cell fontFamily="mono" fontSize="xs">{tenant.cleverreach_conn_id}</Table.Cell>
                <Table.Cell textAlign="end">{tenant.lists}</Table.Cell>
                <Table.Cell data-testid="login-check">
                  {tenant.login_check ? (
                    <Flex gap={2} align="center" wrap="wrap">
                      <Badge colorPalette={tenant.login_check.ok ? "green" : "red"}>{t(tenant.login_check.ok ? "tenants.loginOk" : "tenants.loginFailed")}</Badge>
                      <ZonedTime value={tenant.login_check.checked_at} zone={tenant.time_zone} />
                      {tenant.login_check.message ? <Text fontSize="xs" color="fg.muted">{tenant.login_check.message}</Text> : null}
                    </Flex>
                  ) : (
                    <Text color="fg.muted">{t("tenants.never")}</Text>
                  )}
                </Table.Cell>
                <Table.Cell textAlign="end">
                  <Button
                    size="xs"
                    variant="outline"
                    disabled={!canCheck}
                    title={canCheck ? undefined : t("common.needsRight", { right: t("rights.run_syncs") })}
                    loading={checking === tenant.id}
                    data-testid="check-login"
                    onClick={(e) => { e.stopPropagation(); void check(tenant); }}
                  >
                    {t("tenants.checkLogin")}
                  </Button>
                </Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table.Root>
      ) : null}
      <FormerTenant />
    </Frame>
  );
}
