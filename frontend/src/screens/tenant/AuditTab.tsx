// A tenant's audit trail (or one list's): when, who, what, the list and the detail's counts, newest first, in
// keyset pages (newer / older by the event ids the answer names). Nothing here names a person of the CRM.
import { Badge, Button, Field, Flex, Link, NativeSelect, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useSearchParams } from "react-router-dom";

import { enc } from "src/api/client";
import type { AuditEvent, AuditPage, RecipientList } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { paths, usePluginRoot } from "src/context/paths";

import { auditPath, detailChips, isKnownAction, parseActor, runHref, type AuditQuery } from "./auditText";

function Who({ actor }: { actor: string }) {
  const { t } = useTranslation();
  const who = parseActor(actor);
  if (who.kind === "user") return <Text as="span" data-actor="user">{who.name}</Text>;
  if (who.kind === "run") {
    return (
      <Link href={runHref(who.dagId, who.runId)} colorPalette="blue" fontSize="xs" data-actor="run" title={actor}>
        {t("audit.run", { dag: who.dagId, run: who.runId })}
      </Link>
    );
  }
  return <Text as="span" fontFamily="mono" fontSize="xs">{who.text || "–"}</Text>;
}

/** One catalogue entry per action (literal keys, checked by the catalogue test); an unknown action stays raw. */
function useActionWords(): (action: string) => string {
  const { t } = useTranslation();
  const words: Record<string, string> = {
    list_imported: t("audit.actions.list_imported"),
    list_revived: t("audit.actions.list_revived"),
    list_gone: t("audit.actions.list_gone"),
    list_renamed: t("audit.actions.list_renamed"),
    list_translation_set: t("audit.actions.list_translation_set"),
    list_translation_deleted: t("audit.actions.list_translation_deleted"),
    members_added: t("audit.actions.members_added"),
    members_removed: t("audit.actions.members_removed"),
    sync_started: t("audit.actions.sync_started"),
    sync_finished: t("audit.actions.sync_finished"),
    sync_approved: t("audit.actions.sync_approved"),
    sync_approval_used: t("audit.actions.sync_approval_used"),
    access_granted: t("audit.actions.access_granted"),
    access_revoked: t("audit.actions.access_revoked"),
    contact_erased: t("audit.actions.contact_erased"),
    tenant_renamed: t("audit.actions.tenant_renamed"),
    tenant_moved: t("audit.actions.tenant_moved"),
    webhook_registered: t("audit.actions.webhook_registered"),
    webhook_removed: t("audit.actions.webhook_removed"),
  };
  return (action) => (isKnownAction(action) ? words[action] : action);
}

function Row({ event, zone, tenantId, names }: { event: AuditEvent; zone: string | null; tenantId: string; names: Map<string, string> }) {
  const { t } = useTranslation();
  const root = usePluginRoot();
  const what = useActionWords();
  return (
    <Table.Row data-event={event.id} data-action={event.action}>
      <Table.Cell whiteSpace="nowrap"><ZonedTime value={event.occurred_at} zone={zone} /></Table.Cell>
      <Table.Cell><Who actor={event.actor} /></Table.Cell>
      <Table.Cell>
        <Text as="span" title={event.action}>{what(event.action)}</Text>
      </Table.Cell>
      <Table.Cell>
        {event.list_id ? (
          <Link asChild colorPalette="blue">
            <RouterLink to={paths.list(root, tenantId, event.list_id)}>{names.get(event.list_id) ?? event.list_id}</RouterLink>
          </Link>
        ) : <Text as="span" color="fg.muted">–</Text>}
      </Table.Cell>
      <Table.Cell>
        <Flex gap={1} wrap="wrap">
          {detailChips(event.detail).map((chip) => <Badge key={chip} variant="subtle" fontFamily="mono" fontWeight="normal">{chip}</Badge>)}
        </Flex>
      </Table.Cell>
      <Table.Cell>
        {event.dag_id && event.run_id ? (
          <Link href={runHref(event.dag_id, event.run_id)} colorPalette="blue" fontSize="xs" data-testid="audit-run" title={`${event.dag_id} / ${event.run_id}`}>
            {t("audit.openRun")}
          </Link>
        ) : null}
      </Table.Cell>
    </Table.Row>
  );
}

export function AuditTab({ tenantId }: { tenantId: string }) {
  const { t } = useTranslation();
  // The list filter is in the address (?list=<id>), so a reload or a link from a list keeps it; the page is not.
  const [search, setSearch] = useSearchParams();
  const listId = search.get("list");
  const [cursor, setCursor] = useState<{ list: string | null; before?: number | null; after?: number | null }>({ list: listId });
  const query: AuditQuery = cursor.list === listId ? { listId, before: cursor.before, after: cursor.after } : { listId };
  const filter = (list: string) => {
    const next = new URLSearchParams(search);
    if (list) next.set("list", list);
    else next.delete("list");
    setSearch(next, { replace: true });
    setCursor({ list: list || null });
  };
  const page = useApi<AuditPage>(auditPath(tenantId, query));
  const lists = useApi<RecipientList[]>(`tenants/${enc(tenantId)}/lists`);
  const names = new Map((lists.data ?? []).map((list) => [list.id, list.name]));
  const data = page.data;
  return (
    <Flex direction="column" gap={3}>
      <Flex gap={3} align="end" wrap="wrap" justify="space-between">
        <Field.Root maxW="xs">
          <Field.Label>{t("audit.listFilter")}</Field.Label>
          <NativeSelect.Root size="sm">
            <NativeSelect.Field
              data-testid="audit-list-filter"
              value={listId ?? ""}
              onChange={(e) => filter(e.currentTarget.value)}
            >
              <option value="">{t("audit.allLists")}</option>
              {(lists.data ?? []).map((list) => <option key={list.id} value={list.id}>{`${list.name} (${list.id})`}</option>)}
            </NativeSelect.Field>
            <NativeSelect.Indicator />
          </NativeSelect.Root>
        </Field.Root>
        <Flex gap={2}>
          <Button size="sm" variant="outline" data-testid="audit-newer" disabled={!data || data.after == null}
            onClick={() => setCursor({ list: listId, after: data?.after })}>
            {t("audit.newer")}
          </Button>
          <Button size="sm" variant="outline" data-testid="audit-older" disabled={!data || data.before == null}
            onClick={() => setCursor({ list: listId, before: data?.before })}>
            {t("audit.older")}
          </Button>
        </Flex>
      </Flex>
      <ErrorNote error={page.error} />
      {page.loading && !data ? <Loading /> : null}
      {data && data.rows.length === 0 ? <Empty title={t("audit.empty")} hint={t("audit.emptyHint")} /> : null}
      {data && data.rows.length > 0 ? (
        <Table.Root size="sm" data-testid="audit" aria-busy={page.loading}>
          <Table.Header>
            <Table.Row>
              <Table.ColumnHeader>{t("audit.when")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("audit.who")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("audit.what")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("audit.list")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("audit.detail")}</Table.ColumnHeader>
              <Table.ColumnHeader />
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {data.rows.map((event) => <Row key={event.id} event={event} zone={data.time_zone ?? null} tenantId={tenantId} names={names} />)}
          </Table.Body>
        </Table.Root>
      ) : null}
      <Text color="fg.muted" fontSize="xs">{t("audit.note")}</Text>
    </Flex>
  );
}
