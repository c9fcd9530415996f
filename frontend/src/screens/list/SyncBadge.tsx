// A sync run at a glance: status, dry run, changes only, counts, rejected, alert and the link to its Airflow run.
import { Badge, Flex, Link, Text } from "@chakra-ui/react";
import { useTranslation } from "react-i18next";

import type { SyncRun } from "src/api/types";

import { runCounts, statusPalette } from "./runs";
import { useWords } from "src/i18n/vocabulary";

export function RunStatus({ run }: { run: Pick<SyncRun, "status" | "dry_run" | "scope"> }) {
  const { t } = useTranslation();
  const { word } = useWords();
  return (
    <Flex gap={1} align="center" wrap="wrap">
      <Badge colorPalette={statusPalette(run.status)} data-status={run.status}>{word("runStatus", run.status)}</Badge>
      {run.dry_run && run.status !== "dry_run" ? <Badge variant="outline">{t("sync.dryRunBadge")}</Badge> : null}
      {run.scope === "changes" ? (
        <Badge variant="subtle" data-scope="changes" title={t("sync.changesOnlyTitle")}>{t("sync.changesOnlyBadge")}</Badge>
      ) : null}
    </Flex>
  );
}

export function RunSummary({ run }: { run: SyncRun }) {
  const { t } = useTranslation();
  return (
    <Flex gap={3} align="center" wrap="wrap">
      <RunStatus run={run} />
      <Text fontFamily="mono" fontSize="sm" title={t("sync.countsTitle")}>{runCounts(run)}</Text>
      {run.rejected ? <Text fontSize="sm" color="fg.warning">{t("sync.rejectedCount", { count: run.rejected })}</Text> : null}
      {run.alert ? <Text fontSize="sm" color="fg.error">{run.alert}</Text> : null}
      {!run.alert && run.message ? <Text fontSize="sm" color="fg.muted">{run.message}</Text> : null}
      {run.link ? <Link href={run.link} colorPalette="blue" fontSize="sm" onClick={(e) => e.stopPropagation()}>{t("common.openRun")}</Link> : null}
    </Flex>
  );
}
