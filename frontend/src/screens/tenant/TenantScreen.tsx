// A tenant: its recipient lists, its audit trail and (for admins) its administration, one tab each. The address
// names the tab (tenants/<id>/<tab>), so a reload or a shared link opens the same one. A tenant id the CRM no
// longer has opens for admins with its administration only (the rename after the CRM renamed it).
import { Badge, Tabs, Text } from "@chakra-ui/react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";

import { ApiError, enc } from "src/api/client";
import type { Tenant } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Frame } from "src/components/Frame";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { useCan } from "src/context/me";
import { paths, usePluginRoot, type TenantTab } from "src/context/paths";

import { AdminTab } from "./AdminTab";
import { AuditTab } from "./AuditTab";
import { ListsTab } from "./ListsTab";
import { TENANT_TABS, tenantTab } from "./tabs";


export function TenantScreen() {
  const { t } = useTranslation();
  const root = usePluginRoot();
  const navigate = useNavigate();
  const { tenantId = "", tab } = useParams();
  const isAdmin = useCan("administer");
  const tenants = useApi<Tenant[]>("tenants");
  const tenant = tenants.data?.find((found) => found.id === tenantId);
  // not among the user's tenants: the API says whether it is another tenant's (403) or none at all (404)
  const outside = tenants.data !== undefined && !tenant && !isAdmin;
  const probe = useApi<unknown>(outside ? `tenants/${enc(tenantId)}/lists` : null);
  const crumbs = [{ label: t("tenants.crumb"), to: paths.tenants(root) }, { label: tenant?.name ?? tenantId }];

  if (!tenants.data) {
    return (
      <Frame crumbs={crumbs} title={tenantId}>
        {tenants.loading ? <Loading /> : <ErrorNote error={tenants.error} />}
      </Frame>
    );
  }
  const former = !tenant;
  if (former && !isAdmin) {
    const refused = probe.error instanceof ApiError && probe.error.status === 403;
    return (
      <Frame crumbs={crumbs} title={tenantId}>
        {probe.data === undefined && !probe.error ? <Loading /> : refused ? <ErrorNote error={probe.error} /> : (
          <Empty title={t("tenant.notFound", { tenant: tenantId })} hint={t("tenant.notFoundHint")} />
        )}
      </Frame>
    );
  }
  const zone = tenant?.time_zone ?? null;
  const current = tenantTab(tab, isAdmin, former);
  const labels: Record<TenantTab, string> = { lists: t("tenant.tabs.lists"), audit: t("tenant.tabs.audit"), admin: t("tenant.tabs.admin") };
  const shown = former ? (["admin"] as TenantTab[]) : TENANT_TABS.filter((name) => name !== "admin" || isAdmin);
  return (
    <Frame
      crumbs={crumbs}
      title={<>{tenant ? tenant.name : tenantId} {former ? <Badge colorPalette="orange" data-testid="former-tenant">{t("tenant.former")}</Badge> : null}</>}
    >
      {tenant ? (
        <Text color="fg.muted" fontSize="sm" data-testid="tenant-info">
          {t("tenant.info", { tenant: tenant.id, connection: tenant.cleverreach_conn_id, zone: zone ?? "–" })}
        </Text>
      ) : (
        <Text color="fg.muted" fontSize="sm" data-testid="tenant-info">{t("tenant.formerHint", { tenant: tenantId })}</Text>
      )}
      <Tabs.Root
        value={current}
        onValueChange={(e) => navigate(paths.tenant(root, tenantId, e.value as TenantTab))}
        lazyMount
        unmountOnExit
        variant="line"
      >
        <Tabs.List>
          {shown.map((name) => (
            <Tabs.Trigger key={name} value={name} data-testid={`tab-${name}`}>{labels[name]}</Tabs.Trigger>
          ))}
        </Tabs.List>
        {former ? null : <Tabs.Content value="lists"><ListsTab tenantId={tenantId} zone={zone} /></Tabs.Content>}
        {former ? null : <Tabs.Content value="audit"><AuditTab tenantId={tenantId} /></Tabs.Content>}
        {isAdmin ? <Tabs.Content value="admin"><AdminTab tenantId={tenantId} tenant={tenant ?? null} /></Tabs.Content> : null}
      </Tabs.Root>
    </Frame>
  );
}
