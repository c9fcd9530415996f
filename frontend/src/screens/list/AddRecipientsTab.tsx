// "Empfänger hinzufügen": the dialog's filters (letter, tag, category, sales process from the CRM's vocabulary;
// free text), a preview that writes nothing, then Add (a cleverreach_manage_members run that syncs the list).
import { Box, Button, Field, Flex, Input, NativeSelect, Stack, Table, Text } from "@chakra-ui/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "src/api/client";
import type { Preview, TriggeredRun, Vocabulary } from "src/api/types";
import { useApi } from "src/api/useApi";
import { RunStarted } from "src/components/RunStarted";
import { ErrorNote } from "src/components/States";
import { useCan } from "src/context/me";

import { canAdd, filtersBody, hasFilter, type FilterKind, type FilterValues } from "./addFilters";

const CHOICES = ["letter", "tag", "category", "sales_process"] as const;

export function AddRecipientsTab({ base, gone }: { base: string; gone: boolean }) {
  const { t } = useTranslation();
  const canManage = useCan("manage_lists");
  const needs = canManage ? undefined : t("common.needsRight", { right: t("rights.manage_lists") });
  const vocabulary = useApi<Vocabulary>(`${base}/recipients/vocabulary`);
  const [values, setValues] = useState<FilterValues>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewed, setPreviewed] = useState<FilterValues | null>(null);
  const [busy, setBusy] = useState<"preview" | "add" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [started, setStarted] = useState<TriggeredRun | null>(null);
  const set = (kind: FilterKind, value: string) => setValues((v) => ({ ...v, [kind]: value }));
  const labels: Record<FilterKind, string> = {
    letter: t("add.letter"), tag: t("add.tag"), category: t("add.category"), sales_process: t("add.salesProcess"), search: t("add.search"),
  };

  const runPreview = async () => {
    setBusy("preview");
    setError(null);
    setStarted(null);
    const body = filtersBody(values);
    try {
      setPreview(await api<Preview>(`${base}/recipients/preview`, { method: "POST", body }));
      setPreviewed(body);
    } catch (err) {
      setPreview(null);
      setPreviewed(null);
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const add = async () => {
    setBusy("add");
    setError(null);
    try {
      setStarted(await api<TriggeredRun>(`${base}/recipients/add`, { method: "POST", body: filtersBody(values) }));
      setPreview(null);
      setPreviewed(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const addable = canAdd(canManage, preview, previewed, values) && !gone;
  return (
    <Stack gap={4} pt={2}>
      <Text color="fg.muted" fontSize="sm">{t("add.intro")}</Text>
      {gone ? <Text color="fg.error" data-testid="list-gone">{t("add.gone")}</Text> : null}
      <ErrorNote error={vocabulary.error ?? error} />
      <Flex gap={3} wrap="wrap" align="end">
        {CHOICES.map((kind) => (
          <Field.Root key={kind} w="48">
            <Field.Label>{labels[kind]}</Field.Label>
            <NativeSelect.Root size="sm" disabled={!vocabulary.data}>
              <NativeSelect.Field value={values[kind] ?? ""} onChange={(e) => set(kind, e.target.value)} data-testid={`filter-${kind}`}>
                <option value="">{t("add.any")}</option>
                {(vocabulary.data?.[kind] ?? []).map((word) => <option key={word} value={word}>{word}</option>)}
              </NativeSelect.Field>
              <NativeSelect.Indicator />
            </NativeSelect.Root>
          </Field.Root>
        ))}
        <Field.Root w="64">
          <Field.Label>{labels.search}</Field.Label>
          <Input size="sm" value={values.search ?? ""} onChange={(e) => set("search", e.target.value)} maxLength={200}
            onKeyDown={(e) => { if (e.key === "Enter" && canManage && hasFilter(values)) void runPreview(); }} data-testid="filter-search" />
        </Field.Root>
      </Flex>
      <Flex gap={2} align="center" wrap="wrap">
        <Button size="sm" variant="outline" loading={busy === "preview"} disabled={!canManage || !hasFilter(values)}
          title={needs ?? (hasFilter(values) ? undefined : t("add.needsFilter"))} onClick={() => void runPreview()} data-testid="add-preview">
          {t("add.preview")}
        </Button>
        <Button size="sm" colorPalette="blue" loading={busy === "add"} disabled={!addable}
          title={needs ?? (addable ? undefined : t("add.needsPreview"))} onClick={() => void add()} data-testid="add-submit">
          {t("add.submit", { count: preview?.count ?? 0 })}
        </Button>
      </Flex>
      <RunStarted run={started} what={t("add.adding")} />
      {preview ? (
        <Stack gap={2}>
          <Text data-testid="preview-summary" data-count={preview.count}>
            {t("add.summary", { count: preview.count, filters: preview.filters })}{" "}
            {preview.without_valid_email ? (
              <Text as="span" color="fg.warning">{t("add.withoutEmail", { count: preview.without_valid_email })}</Text>
            ) : null}
          </Text>
          {previewed && !canAdd(true, preview, previewed, values) && preview.count > 0 ? <Text fontSize="sm" color="fg.muted">{t("add.stale")}</Text> : null}
          {preview.rows.length > 0 ? (
            <Box overflowX="auto">
              <Table.Root size="sm" data-testid="preview-rows">
                <Table.Header>
                  <Table.Row>
                    <Table.ColumnHeader>{t("members.contact")}</Table.ColumnHeader>
                    <Table.ColumnHeader>{t("add.name")}</Table.ColumnHeader>
                    <Table.ColumnHeader>{t("add.city")}</Table.ColumnHeader>
                    <Table.ColumnHeader>{t("members.email")}</Table.ColumnHeader>
                  </Table.Row>
                </Table.Header>
                <Table.Body>
                  {preview.rows.map((row) => (
                    <Table.Row key={row.contact_person_id} data-contact={row.contact_person_id}>
                      <Table.Cell fontFamily="mono" fontSize="xs">{row.contact_person_id}</Table.Cell>
                      <Table.Cell>{row.name}</Table.Cell>
                      <Table.Cell>{row.city}</Table.Cell>
                      <Table.Cell color={row.valid_email ? undefined : "fg.error"}>
                        {row.email || <Text as="span" color="fg.muted">{t("members.noEmail")}</Text>}
                        {row.email && !row.valid_email ? ` (${t("add.invalidEmail")})` : ""}
                      </Table.Cell>
                    </Table.Row>
                  ))}
                </Table.Body>
              </Table.Root>
              {preview.count > preview.rows.length ? <Text fontSize="sm" color="fg.muted" mt={1}>{t("add.more", { count: preview.count - preview.rows.length })}</Text> : null}
            </Box>
          ) : null}
        </Stack>
      ) : null}
    </Stack>
  );
}
