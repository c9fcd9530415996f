// One run's stored plan: counts per action and the changes with their reasons. A plan the mass-removal guard
// blocked can be approved (approve_mass_removal; only the list's latest run), behind a confirmation.
import { Badge, Box, Button, CloseButton, Flex, Heading, Stack, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api, enc } from "src/api/client";
import type { SyncPlan, TriggeredRun } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Confirm } from "src/components/Confirm";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { useCan } from "src/context/me";

import { actionCounts, approvable } from "./runs";
import { RunSummary } from "./SyncBadge";
import { useWords } from "src/i18n/vocabulary";

export interface PlanViewProps {
  base: string;
  runId: string;
  latestId: number | null;
  zone: string | null;
  onClose: () => void;
  onStarted: (run: TriggeredRun, what: string) => void;
}

export function PlanView({ base, runId, latestId, zone, onClose, onStarted }: PlanViewProps) {
  const { t } = useTranslation();
  const { word, reason } = useWords();
  const canApprove = useCan("approve_mass_removal");
  const [error, setError] = useState<unknown>(null);
  const plan = useApi<SyncPlan>(`${base}/sync/runs/${enc(runId)}?page_size=200`);
  const data = plan.data && String(plan.data.run.id) === runId ? plan.data : undefined;
  const run = data?.run;
  const planZone = run?.time_zone ?? data?.time_zone ?? zone;

  const approve = async () => {
    if (!run) return;
    setError(null);
    try {
      const started = await api<TriggeredRun>(`${base}/sync/approve`, { method: "POST", body: { sync_run_id: run.id } });
      onStarted(started, t("sync.approved", { run: run.id }));
      plan.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Box borderWidth="1px" borderColor="border" rounded="md" p={4} data-testid="plan" data-run={runId}>
      <Flex justify="space-between" align="start" gap={2}>
        <Stack gap={1}>
          <Heading size="sm" as="h3">{t("sync.planTitle", { run: runId })}</Heading>
          {run ? <Text fontSize="sm" color="fg.muted"><ZonedTime value={run.started_at} zone={planZone} /></Text> : null}
        </Stack>
        <CloseButton size="sm" onClick={onClose} aria-label={t("sync.closePlan")} data-testid="plan-close" />
      </Flex>
      <ErrorNote error={error ?? plan.error} />
      {plan.loading && !data ? <Loading /> : null}
      {run && data ? (
        <Stack gap={3} mt={2}>
          <RunSummary run={run} />
          <Flex gap={2} wrap="wrap" data-testid="plan-counts">
            {actionCounts(data.counts).length === 0 ? <Text color="fg.muted">{t("sync.noChanges")}</Text> : null}
            {actionCounts(data.counts).map(([action, count]) => (
              <Badge key={action} variant="subtle" data-action={action}>{t("sync.actionCount", { action: word("action", action), count })}</Badge>
            ))}
          </Flex>
          {run.status === "blocked" ? (
            <Stack gap={2} borderWidth="1px" borderColor="border.warning" bg="bg.warning" rounded="md" p={3} data-testid="plan-blocked">
              <Text>{t("sync.blocked", { count: run.removed })}</Text>
              <Flex>
                <Confirm
                  title={t("sync.approveTitle")}
                  body={t("sync.approveBody", { count: run.removed, run: run.id })}
                  confirmLabel={t("sync.approve")}
                  onConfirm={approve}
                  trigger={
                    <Button size="sm" colorPalette="red" disabled={!canApprove || !approvable(run, latestId)}
                      title={!canApprove ? t("common.needsRight", { right: t("rights.approve_mass_removal") }) : approvable(run, latestId) ? undefined : t("sync.notLatest")}
                      data-testid="plan-approve">
                      {t("sync.approve")}
                    </Button>
                  }
                />
              </Flex>
            </Stack>
          ) : null}
          {data.changes.rows.length === 0 ? <Empty title={t("sync.noChanges")} /> : (
            <Box overflowX="auto">
              <Table.Root size="sm" data-testid="plan-changes">
                <Table.Header>
                  <Table.Row>
                    <Table.ColumnHeader>{t("sync.action")}</Table.ColumnHeader>
                    <Table.ColumnHeader>{t("members.contact")}</Table.ColumnHeader>
                    <Table.ColumnHeader>{t("members.email")}</Table.ColumnHeader>
                    <Table.ColumnHeader>{t("sync.reason")}</Table.ColumnHeader>
                    <Table.ColumnHeader>{t("sync.result")}</Table.ColumnHeader>
                  </Table.Row>
                </Table.Header>
                <Table.Body>
                  {data.changes.rows.map((change) => (
                    <Table.Row key={change.id} data-action={change.action}>
                      <Table.Cell>{word("action", change.action)}</Table.Cell>
                      <Table.Cell fontFamily="mono" fontSize="xs">{change.contact_person_id}</Table.Cell>
                      <Table.Cell>{change.email || <Text as="span" color="fg.muted">{t("members.noEmail")}</Text>}</Table.Cell>
                      <Table.Cell>{reason(change.reason)}</Table.Cell>
                      <Table.Cell color={change.error ? "fg.error" : "fg.muted"}>{change.error ?? word("result", change.result)}</Table.Cell>
                    </Table.Row>
                  ))}
                </Table.Body>
              </Table.Root>
              {data.changes.total > data.changes.rows.length ? (
                <Text fontSize="sm" color="fg.muted" mt={1}>{t("sync.moreChanges", { shown: data.changes.rows.length, total: data.changes.total })}</Text>
              ) : null}
            </Box>
          )}
        </Stack>
      ) : null}
    </Box>
  );
}
