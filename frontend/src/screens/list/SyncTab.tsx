// Sync the list: a dry run (plan only) and Apply (behind a confirmation: it may remove receivers), the latest
// runs, and the stored plan of the run clicked (?run=<id> in the URL, so a reload shows it again).
import { Box, Button, Flex, Link, Stack, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";

import { api } from "src/api/client";
import type { SyncRun, TriggeredRun, Zoned } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Confirm } from "src/components/Confirm";
import { RunStarted } from "src/components/RunStarted";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { useCan } from "src/context/me";

import { PlanView } from "./PlanView";
import { runCounts } from "./runs";
import { RunStatus } from "./SyncBadge";

export function SyncTab({ base, zone, onStarted }: { base: string; zone: string | null; onStarted: () => void }) {
  const { t } = useTranslation();
  const canSync = useCan("run_syncs");
  const needs = canSync ? undefined : t("common.needsRight", { right: t("rights.run_syncs") });
  const runs = useApi<Zoned<SyncRun>[]>(`${base}/sync/runs?limit=20`);
  const [search, setSearch] = useSearchParams();
  const picked = search.get("run");
  const [busy, setBusy] = useState<"dry" | "apply" | null>(null);
  const [started, setStarted] = useState<{ run: TriggeredRun; what: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latestId = runs.data?.[0]?.id ?? null;

  const pick = (id: number | null) => setSearch((s) => {
    const next = new URLSearchParams(s);
    if (id === null) next.delete("run");
    else next.set("run", String(id));
    return next;
  });

  const sync = async (dryRun: boolean) => {
    setBusy(dryRun ? "dry" : "apply");
    setError(null);
    try {
      const run = await api<TriggeredRun>(`${base}/sync`, { method: "POST", body: { dry_run: dryRun } });
      setStarted({ run, what: t(dryRun ? "sync.dryRunStarted" : "sync.applyStarted") });
      runs.reload();
      onStarted();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const afterStart = (run: TriggeredRun, what: string) => {
    setStarted({ run, what });
    runs.reload();
    onStarted();
  };

  return (
    <Stack gap={4} pt={2}>
      <Flex gap={2} align="center" wrap="wrap">
        <Button size="sm" variant="outline" loading={busy === "dry"} disabled={!canSync} title={needs} onClick={() => void sync(true)} data-testid="sync-dry-run">
          {t("sync.dryRun")}
        </Button>
        <Confirm
          title={t("sync.applyTitle")}
          body={t("sync.applyBody")}
          confirmLabel={t("sync.apply")}
          onConfirm={() => sync(false)}
          trigger={
            <Button size="sm" colorPalette="blue" loading={busy === "apply"} disabled={!canSync} title={needs} data-testid="sync-apply">
              {t("sync.apply")}
            </Button>
          }
        />
        <Button size="sm" variant="ghost" onClick={runs.reload} loading={runs.loading} data-testid="sync-refresh">{t("sync.refresh")}</Button>
      </Flex>
      <Text color="fg.muted" fontSize="sm">{t("sync.intro")}</Text>
      <ErrorNote error={error ?? runs.error} />
      {started ? <RunStarted run={started.run} what={started.what} /> : null}
      {runs.loading && !runs.data ? <Loading /> : null}
      {runs.data && runs.data.length === 0 ? <Empty title={t("sync.noRuns")} hint={t("sync.noRunsHint")} /> : null}
      {runs.data && runs.data.length > 0 ? (
        <Box overflowX="auto">
          <Table.Root size="sm" interactive data-testid="runs">
            <Table.Header>
              <Table.Row>
                <Table.ColumnHeader>{t("sync.run")}</Table.ColumnHeader>
                <Table.ColumnHeader>{t("sync.started")}</Table.ColumnHeader>
                <Table.ColumnHeader>{t("sync.finished")}</Table.ColumnHeader>
                <Table.ColumnHeader>{t("sync.status")}</Table.ColumnHeader>
                <Table.ColumnHeader>{t("sync.counts")}</Table.ColumnHeader>
                <Table.ColumnHeader textAlign="end">{t("sync.rejected")}</Table.ColumnHeader>
                <Table.ColumnHeader>{t("sync.alert")}</Table.ColumnHeader>
                <Table.ColumnHeader />
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {runs.data.map((run) => (
                <Table.Row key={run.id} data-run={run.id} data-airflow-run={run.run_id ?? ""} cursor="pointer" onClick={() => pick(run.id)}
                  bg={String(run.id) === picked ? "bg.emphasized" : undefined} aria-selected={String(run.id) === picked}>
                  <Table.Cell fontFamily="mono">{run.id}</Table.Cell>
                  <Table.Cell whiteSpace="nowrap"><ZonedTime value={run.started_at} zone={run.time_zone ?? zone} /></Table.Cell>
                  <Table.Cell whiteSpace="nowrap" color="fg.muted"><ZonedTime value={run.finished_at} zone={run.time_zone ?? zone} /></Table.Cell>
                  <Table.Cell><RunStatus run={run} /></Table.Cell>
                  <Table.Cell fontFamily="mono" title={t("sync.countsTitle")}>{runCounts(run)}</Table.Cell>
                  <Table.Cell textAlign="end">{run.rejected}</Table.Cell>
                  <Table.Cell color={run.alert ? "fg.error" : "fg.muted"} fontSize="sm">{run.alert ?? run.message}</Table.Cell>
                  <Table.Cell onClick={(e) => e.stopPropagation()}>
                    {run.link ? <Link href={run.link} colorPalette="blue" fontSize="sm">{t("sync.airflowRun")}</Link> : null}
                  </Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </Table.Root>
        </Box>
      ) : null}
      {picked ? <PlanView base={base} runId={picked} latestId={latestId} zone={zone} onClose={() => pick(null)} onStarted={afterStart} /> : null}
    </Stack>
  );
}
