// What an action started: every change to CleverReach is an Airflow run, linked here.
import { Alert, Box, Link } from "@chakra-ui/react";
import { useTranslation } from "react-i18next";

import type { TriggeredRun } from "src/api/types";

export function RunStarted({ run, what }: { run: TriggeredRun | null; what: string }) {
  const { t } = useTranslation();
  if (!run) return null;
  return (
    <Alert.Root status="info" my={3} data-testid="run-started">
      <Alert.Indicator />
      <Box>
        <Alert.Title>{t("common.runStarted", { what, run: run.dag_run_id, dag: run.dag_id })}</Alert.Title>
        {run.link ? <Alert.Description><Link href={run.link} colorPalette="blue">{t("common.openRun")}</Link></Alert.Description> : null}
      </Box>
    </Alert.Root>
  );
}
