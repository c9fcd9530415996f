// The members: a keyset-paged, server-sorted table with a state filter; pick members and remove them, or remove
// every rejected one (both after a confirmation, each a cleverreach_manage_members run). A click on a member opens
// their history (?contact=<id> in the URL).
import { Box, Button, Checkbox, Flex, NativeSelect, Stack, Table, Text } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";

import { api } from "src/api/client";
import type { MemberPage, RemovalStarted, TriggeredRun } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Confirm } from "src/components/Confirm";
import { RunStarted } from "src/components/RunStarted";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { useCan } from "src/context/me";

import { ContactHistory } from "./ContactHistory";
import {
  FIRST_VIEW, MEMBER_STATES, memberTotal, membersQuery, moveTo, pageCount, personName, settledNumber, toggled,
  toggledPage, toggleSort, withState, type MemberSort, type MemberView,
} from "./memberPaging";
import { useWords } from "src/i18n/vocabulary";

export function MembersTab({ base, tenantId, counts }: { base: string; tenantId: string; counts: Record<string, number> }) {
  const { t, i18n } = useTranslation();
  const { word, reason } = useWords();
  const canManage = useCan("manage_lists");
  const needs = canManage ? undefined : t("common.needsRight", { right: t("rights.manage_lists") });
  const [search, setSearch] = useSearchParams();
  const contact = search.get("contact");
  const [view, setView] = useState<MemberView>(FIRST_VIEW);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [started, setStarted] = useState<{ run: TriggeredRun; what: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const page = useApi<MemberPage>(`${base}/members?${membersQuery(view)}`);
  const total = memberTotal(counts, view.state);
  const pages = pageCount(total);
  const rejected = counts.rejected ?? 0;
  const rows = page.data?.rows ?? [];
  const number = page.data ? settledNumber(view, page.data, pages) : view.number;
  const fmt = (n: number) => n.toLocaleString(i18n.language === "de" ? "de-DE" : "en-GB");

  useEffect(() => {
    if (page.data && number !== view.number) setView((v) => ({ ...v, number }));
  }, [page.data, number, view.number]);

  const openHistory = (id: string) => setSearch((s) => { const next = new URLSearchParams(s); next.set("contact", id); return next; });
  const closeHistory = () => setSearch((s) => { const next = new URLSearchParams(s); next.delete("contact"); return next; });

  const removeSelected = async () => {
    setError(null);
    try {
      const run = await api<TriggeredRun>(`${base}/members/remove`, { method: "POST", body: { contact_ids: [...selected] } });
      setStarted({ run, what: t("members.removingSelected", { count: selected.size }) });
      setSelected(new Set());
    } catch (err) {
      setError(err);
    }
  };

  const removeRejected = async () => {
    setError(null);
    try {
      const run = await api<RemovalStarted>(`${base}/members/remove-rejected`, { method: "POST" });
      setStarted({ run, what: t("members.removingRejected", { count: run.contact_ids ?? rejected }) });
    } catch (err) {
      setError(err);
    }
  };

  const header = (sort: MemberSort, label: string) => {
    const active = view.sort === sort;
    return (
      <Table.ColumnHeader aria-sort={active ? (view.order === "asc" ? "ascending" : "descending") : "none"} data-sort={sort}>
        <Button variant="plain" size="xs" px={0} fontWeight={active ? "bold" : "semibold"} onClick={() => setView((v) => toggleSort(v, sort))} data-testid={`sort-${sort}`}>
          {label}{active ? (view.order === "asc" ? " ▲" : " ▼") : ""}
        </Button>
      </Table.ColumnHeader>
    );
  };

  const pageIds = rows.map((r) => String(r.contact_person_id));
  const pagePicked = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  const pagePartly = !pagePicked && pageIds.some((id) => selected.has(id));

  return (
    <Stack gap={3} pt={2}>
      <Flex gap={3} wrap="wrap" align="end" justify="space-between">
        <Flex gap={2} align="center">
          <Text fontSize="sm">{t("members.stateFilter")}</Text>
          <NativeSelect.Root size="sm" w="48">
            <NativeSelect.Field value={view.state} onChange={(e) => { setView((v) => withState(v, e.target.value)); }} data-testid="member-state">
              <option value="">{t("members.allStates")}</option>
              {MEMBER_STATES.map((state) => <option key={state} value={state}>{t("members.stateOption", { state: word("state", state), count: counts[state] ?? 0 })}</option>)}
            </NativeSelect.Field>
            <NativeSelect.Indicator />
          </NativeSelect.Root>
        </Flex>
        <Flex gap={2} wrap="wrap">
          <Confirm
            title={t("members.removeTitle")}
            body={t("members.removeBody", { count: selected.size })}
            confirmLabel={t("members.removeConfirm", { count: selected.size })}
            onConfirm={removeSelected}
            trigger={
              <Button size="sm" variant="outline" colorPalette="red" disabled={!canManage || selected.size === 0} title={needs} data-testid="member-remove">
                {t("members.removeSelected", { count: selected.size })}
              </Button>
            }
          />
          <Confirm
            title={t("members.removeRejectedTitle")}
            body={t("members.removeRejectedBody", { count: rejected })}
            confirmLabel={t("members.removeConfirm", { count: rejected })}
            onConfirm={removeRejected}
            trigger={
              <Button size="sm" variant="outline" colorPalette="red" disabled={!canManage || rejected === 0} title={needs} data-testid="member-remove-rejected">
                {t("members.removeRejected", { count: rejected })}
              </Button>
            }
          />
        </Flex>
      </Flex>
      <ErrorNote error={error ?? page.error} />
      {started ? <RunStarted run={started.run} what={started.what} /> : null}
      {page.loading && !page.data ? <Loading /> : null}
      {page.data && rows.length === 0 ? <Empty title={view.state ? t("members.emptyState", { state: word("state", view.state) }) : t("members.empty")} hint={view.state ? undefined : t("members.emptyHint")} /> : null}
      {rows.length > 0 ? (
        <Box overflowX="auto">
          <Table.Root size="sm" interactive data-testid="members" aria-busy={page.loading}>
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader w="8">
                  <Checkbox.Root size="sm" checked={pagePicked ? true : pagePartly ? "indeterminate" : false}
                    onCheckedChange={(e) => setSelected((s) => toggledPage(s, pageIds, e.checked === true))} data-testid="member-select-page">
                    <Checkbox.HiddenInput aria-label={t("members.selectPage")} />
                    <Checkbox.Control />
                  </Checkbox.Root>
                </Table.ColumnHeader>
                {header("contact", t("members.contact"))}
                {header("person", t("members.person"))}
                {header("function", t("members.function"))}
                {header("email", t("members.email"))}
                {header("state", t("members.state"))}
                <Table.ColumnHeader>{t("members.reason")}</Table.ColumnHeader>
                {header("added", t("members.added"))}
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {rows.map((row) => {
                const id = String(row.contact_person_id);
                const name = personName(row);
                return (
                  <Table.Row key={id} data-contact={id} cursor="pointer" onClick={() => openHistory(id)} data-state={row.sync_state}>
                    <Table.Cell onClick={(e) => e.stopPropagation()}>
                      <Checkbox.Root size="sm" checked={selected.has(id)} onCheckedChange={(e) => setSelected((s) => toggled(s, id, e.checked === true))} data-testid="member-select">
                        <Checkbox.HiddenInput aria-label={t("members.select", { id })} />
                        <Checkbox.Control />
                      </Checkbox.Root>
                    </Table.Cell>
                    <Table.Cell fontFamily="mono" fontSize="xs">{id}</Table.Cell>
                    <Table.Cell>{name || <Text as="span" color="fg.muted">{t("members.noName")}</Text>}</Table.Cell>
                    <Table.Cell>{row.function}</Table.Cell>
                    <Table.Cell>{row.email || <Text as="span" color="fg.muted">{t("members.noEmail")}</Text>}</Table.Cell>
                    <Table.Cell>
                      <Text as="span" whiteSpace="nowrap" color={row.synchronised ? "fg.success" : row.sync_state === "rejected" ? "fg.error" : undefined}
                        title={row.synchronised ? t("members.synchronised") : undefined} data-synchronised={row.synchronised ? "" : undefined}>
                        {row.synchronised ? `✔ ${t("members.synchronised")}` : word("state", row.sync_state)}
                      </Text>
                    </Table.Cell>
                    <Table.Cell color="fg.muted" fontSize="sm">{reason(row.sync_error)}</Table.Cell>
                    <Table.Cell whiteSpace="nowrap" color="fg.muted" fontSize="sm"><ZonedTime value={row.added_at} zone={page.data?.time_zone ?? null} /></Table.Cell>
                    <Table.Cell onClick={(e) => e.stopPropagation()}>
                      <Button size="xs" variant="ghost" onClick={() => openHistory(id)} data-testid="member-history">{t("members.history")}</Button>
                    </Table.Cell>
                  </Table.Row>
                );
              })}
            </Table.Body>
          </Table.Root>
        </Box>
      ) : null}
      <Flex gap={2} align="center" wrap="wrap">
        <Button size="xs" variant="outline" disabled={page.data ? page.data.before === null : view.position === "first"} onClick={() => setView((v) => moveTo(v, "first", null, pages))} data-testid="member-first">{t("members.first")}</Button>
        <Button size="xs" variant="outline" disabled={!page.data || page.data.before === null} onClick={() => setView((v) => moveTo(v, "before", String(page.data?.before), pages))} data-testid="member-prev">{t("members.prev")}</Button>
        <Button size="xs" variant="outline" disabled={!page.data || page.data.after === null} onClick={() => setView((v) => moveTo(v, "after", String(page.data?.after), pages))} data-testid="member-next">{t("members.next")}</Button>
        <Button size="xs" variant="outline" disabled={page.data ? page.data.after === null : view.position === "last"} onClick={() => setView((v) => moveTo(v, "last", null, pages))} data-testid="member-last">{t("members.last")}</Button>
        <Text fontSize="sm" color="fg.muted" data-testid="member-page">
          {t("members.page", { page: fmt(number), pages: fmt(pages), total: fmt(total) })}
          {selected.size ? ` · ${t("members.selected", { count: selected.size })}` : ""}
        </Text>
      </Flex>
      <ContactHistory tenantId={tenantId} contactId={contact} onClose={closeHistory} />
    </Stack>
  );
}
