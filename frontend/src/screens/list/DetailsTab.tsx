// The list itself: local name and short description (editable with manage_lists), the external id, members in
// CleverReach, members per state and the last sync.
import { Badge, Box, Button, DataList, Field, Flex, Heading, Input, Stack, Text, Textarea } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "src/api/client";
import type { ListDetail, Zoned, SyncRun } from "src/api/types";
import { ErrorNote } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { useCan } from "src/context/me";

import { RunSummary } from "./SyncBadge";

export function DetailsTab({ base, detail, zone, onSaved }: { base: string; detail: ListDetail; zone: string | null; onSaved: () => void }) {
  const { t } = useTranslation();
  const canManage = useCan("manage_lists");
  const [name, setName] = useState(detail.name);
  const [description, setDescription] = useState(detail.short_description ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setName(detail.name);
    setDescription(detail.short_description ?? "");
  }, [detail.name, detail.short_description]);
  const changed = name.trim() !== detail.name || (description.trim() || null) !== (detail.short_description ?? null);
  const lastSync = detail.last_sync as Zoned<SyncRun> | null;

  const save = async () => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api(base, { method: "PUT", body: { name: name.trim(), short_description: description.trim() || null } });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap={5} pt={2} maxW="3xl">
      <ErrorNote error={error} />
      <Stack gap={3}>
        <Field.Root required disabled={!canManage}>
          <Field.Label>{t("list.name")}</Field.Label>
          <Input value={name} onChange={(e) => { setName(e.target.value); setSaved(false); }} readOnly={!canManage} maxLength={200} data-testid="list-name" />
        </Field.Root>
        <Field.Root disabled={!canManage}>
          <Field.Label>{t("list.description")}</Field.Label>
          <Textarea value={description} onChange={(e) => { setDescription(e.target.value); setSaved(false); }} readOnly={!canManage} rows={2} data-testid="list-description" />
          <Field.HelperText>{t("list.localHint")}</Field.HelperText>
        </Field.Root>
        <Flex gap={3} align="center">
          <Button
            size="sm"
            colorPalette="blue"
            loading={busy}
            disabled={!canManage || !changed || !name.trim()}
            title={canManage ? undefined : t("common.needsRight", { right: t("rights.manage_lists") })}
            onClick={() => void save()}
            data-testid="list-save"
          >
            {t("common.save")}
          </Button>
          {saved ? <Text fontSize="sm" color="fg.success" data-testid="list-saved">{t("list.saved")}</Text> : null}
        </Flex>
      </Stack>

      <DataList.Root orientation="horizontal" size="sm">
        <DataList.Item>
          <DataList.ItemLabel>{t("list.externalId")}</DataList.ItemLabel>
          <DataList.ItemValue fontFamily="mono" data-testid="list-external-id">{detail.external_id}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>{t("list.remoteCount")}</DataList.ItemLabel>
          <DataList.ItemValue data-testid="list-remote-count">
            {detail.remote_member_count ?? <Text as="span" color="fg.muted">{t("list.unknown")}</Text>}
          </DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>{t("list.memberCounts")}</DataList.ItemLabel>
          <DataList.ItemValue data-testid="member-counts">
            <Flex gap={2} wrap="wrap">
              {Object.entries(detail.member_counts).length === 0 ? <Text color="fg.muted">{t("list.noMembers")}</Text> : null}
              {Object.entries(detail.member_counts).map(([state, count]) => (
                <Badge key={state} variant="subtle" data-state={state}>{t("list.stateCount", { state, count })}</Badge>
              ))}
            </Flex>
          </DataList.ItemValue>
        </DataList.Item>
      </DataList.Root>

      <Box data-testid="last-sync">
        <Heading size="sm" as="h3" mb={2}>{t("list.lastSync")}</Heading>
        {lastSync ? (
          <Stack gap={1}>
            <Text fontSize="sm" color="fg.muted">
              <ZonedTime value={lastSync.started_at} zone={lastSync.time_zone ?? zone} />
            </Text>
            <RunSummary run={lastSync} />
          </Stack>
        ) : (
          <Text color="fg.muted">{t("list.neverSynced")}</Text>
        )}
      </Box>
    </Stack>
  );
}
