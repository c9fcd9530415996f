// Tenant access (admins): which users are limited to which tenants. A user's first grant limits them to it, each
// further one widens their scope; revoking the last one lifts the limit, so the API asks (409) and the page asks
// the admin a second time before it retries with lift_limit=true.
import { Button, Dialog, Field, Flex, Input, Portal, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, ApiError } from "src/api/client";
import type { Tenant, TenantGrant } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Confirm } from "src/components/Confirm";
import { Frame } from "src/components/Frame";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { useCan } from "src/context/me";
import { paths, usePluginRoot } from "src/context/paths";

import { grantKey, grantPath } from "./accessText";
import { parseActor } from "./auditText";

/** `user:ops` is ops; a run or an older row stays as written. */
function byWhom(actor: string | null): string {
  const who = parseActor(actor);
  return who.kind === "user" ? who.name : actor || "–";
}

function LiftLimit({ ask, onLift, onCancel }: { ask: { grant: TenantGrant; message: string } | null; onLift: () => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  return (
    <Dialog.Root open={ask !== null} role="alertdialog" onOpenChange={(e) => { if (!e.open) onCancel(); }}>
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid="confirm-dialog">
            <Dialog.Header><Dialog.Title>{t("access.liftTitle")}</Dialog.Title></Dialog.Header>
            <Dialog.Body>
              <Text mb={2}>{ask ? t("access.liftBody", { user: ask.grant.username, tenant: ask.grant.tenant_id }) : null}</Text>
              <Text fontSize="sm" color="fg.muted">{ask?.message}</Text>
            </Dialog.Body>
            <Dialog.Footer>
              <Button variant="outline" data-testid="confirm-cancel" onClick={onCancel}>{t("common.cancel")}</Button>
              <Button colorPalette="red" loading={busy} data-testid="confirm-ok" onClick={async () => {
                setBusy(true);
                try { await onLift(); } finally { setBusy(false); }
              }}>
                {t("access.liftOk")}
              </Button>
            </Dialog.Footer>
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}

export function AccessScreen() {
  const { t } = useTranslation();
  const root = usePluginRoot();
  const isAdmin = useCan("administer");
  const grants = useApi<TenantGrant[]>(isAdmin ? "access/grants" : null);
  const tenants = useApi<Tenant[]>(isAdmin ? "tenants" : null);
  const [user, setUser] = useState("");
  const [tenant, setTenant] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [lift, setLift] = useState<{ grant: TenantGrant; message: string } | null>(null);
  const crumbs = [{ label: t("tenants.crumb"), to: paths.tenants(root) }, { label: t("access.title") }];

  if (!isAdmin) {
    return <Frame crumbs={crumbs} title={t("access.title")}><ErrorNote error={new ApiError(403, t("access.adminsOnly"))} /></Frame>;
  }

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await api<TenantGrant[]>("access/grants", { method: "POST", body: { username: user.trim(), tenant_id: tenant.trim() } });
      setUser("");
      setTenant("");
      grants.reload();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  const revoke = async (grant: TenantGrant) => {
    setError(null);
    try {
      await api(grantPath(grant), { method: "DELETE" });
      grants.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setLift({ grant, message: err.detail });
      else setError(err);
    }
  };

  const liftLimit = async () => {
    if (!lift) return;
    try {
      await api(grantPath(lift.grant, true), { method: "DELETE" });
      grants.reload();
    } catch (err) {
      setError(err);
    } finally {
      setLift(null);
    }
  };

  return (
    <Frame crumbs={crumbs} title={t("access.title")}>
      <Text color="fg.muted" fontSize="sm">{t("access.intro")}</Text>
      <form onSubmit={(e) => { e.preventDefault(); if (user.trim() && tenant.trim()) void save(); }}>
        <Flex gap={3} align="end" wrap="wrap">
          <Field.Root required maxW="xs">
            <Field.Label>{t("access.user")}</Field.Label>
            <Input size="sm" data-testid="grant-user" autoComplete="off" value={user} onChange={(e) => setUser(e.currentTarget.value)} />
          </Field.Root>
          <Field.Root required maxW="xs">
            <Field.Label>{t("access.tenant")}</Field.Label>
            <Input size="sm" data-testid="grant-tenant" autoComplete="off" list="cleverreach-grant-tenants" value={tenant} onChange={(e) => setTenant(e.currentTarget.value)} />
            <datalist id="cleverreach-grant-tenants">
              {(tenants.data ?? []).map((found) => <option key={found.id} value={found.id}>{found.name}</option>)}
            </datalist>
          </Field.Root>
          <Button type="submit" size="sm" colorPalette="blue" loading={saving} disabled={!user.trim() || !tenant.trim()} data-testid="grant-save">
            {t("access.grant")}
          </Button>
        </Flex>
      </form>
      <ErrorNote error={error ?? grants.error} />
      {grants.loading && !grants.data ? <Loading /> : null}
      {grants.data && grants.data.length === 0 ? <Empty title={t("access.empty")} hint={t("access.emptyHint")} /> : null}
      {grants.data && grants.data.length > 0 ? (
        <Table.Root size="sm" data-testid="grants">
          <Table.Header>
            <Table.Row>
              <Table.ColumnHeader>{t("access.user")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("access.tenant")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("access.grantedAt")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("access.grantedBy")}</Table.ColumnHeader>
              <Table.ColumnHeader />
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {grants.data.map((grant) => (
              <Table.Row key={grantKey(grant)} data-grant={grantKey(grant)}>
                <Table.Cell>{grant.username}</Table.Cell>
                <Table.Cell>{grant.tenant_id}</Table.Cell>
                <Table.Cell><ZonedTime value={grant.granted_at} zone={grant.time_zone ?? null} /></Table.Cell>
                <Table.Cell title={grant.granted_by ?? undefined}>{byWhom(grant.granted_by)}</Table.Cell>
                <Table.Cell textAlign="end">
                  <Confirm
                    title={t("access.revokeTitle")}
                    body={t("access.revokeBody", { user: grant.username, tenant: grant.tenant_id })}
                    confirmLabel={t("access.revoke")}
                    onConfirm={() => revoke(grant)}
                    trigger={<Button size="xs" variant="outline" colorPalette="red" data-testid="grant-revoke">{t("access.revoke")}</Button>}
                  />
                </Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table.Root>
      ) : null}
      <LiftLimit ask={lift} onLift={liftLimit} onCancel={() => setLift(null)} />
    </Frame>
  );
}
