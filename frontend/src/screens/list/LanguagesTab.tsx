// The Sprachen tab: the list's name and short description per language; set one (PUT translations/{lang}) or
// delete one (behind a confirmation).
import { Button, Field, Flex, IconButton, Input, Stack, Table, Text, Textarea } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, enc } from "src/api/client";
import type { Translation } from "src/api/types";
import { Confirm } from "src/components/Confirm";
import { Empty, ErrorNote } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { useCan } from "src/context/me";

import { isLanguage } from "./translations";

export function LanguagesTab({ base, translations, zone, onChanged }: { base: string; translations: Translation[]; zone: string | null; onChanged: () => void }) {
  const { t } = useTranslation();
  const canManage = useCan("manage_lists");
  const needs = canManage ? undefined : t("common.needsRight", { right: t("rights.manage_lists") });
  const [rows, setRows] = useState(translations);
  const [language, setLanguage] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setRows(translations), [translations]);
  const valid = isLanguage(language) && name.trim() !== "";

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api<Translation[]>(`${base}/translations/${enc(language.trim())}`, {
        method: "PUT", body: { name: name.trim(), short_description: description.trim() || null },
      });
      setRows(answer);
      setLanguage(""); setName(""); setDescription("");
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (lang: string) => {
    setError(null);
    try {
      await api(`${base}/translations/${enc(lang)}`, { method: "DELETE" });
      setRows((current) => current.filter((row) => row.language !== lang));
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  const edit = (row: Translation) => {
    setLanguage(row.language);
    setName(row.name);
    setDescription(row.short_description ?? "");
  };

  return (
    <Stack gap={5} pt={2}>
      <ErrorNote error={error} />
      {rows.length === 0 ? <Empty title={t("languages.empty")} hint={t("languages.emptyHint")} /> : (
        <Table.Root size="sm" data-testid="translations">
          <Table.Header>
            <Table.Row>
              <Table.ColumnHeader>{t("languages.language")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("languages.name")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("languages.description")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("languages.changed")}</Table.ColumnHeader>
              <Table.ColumnHeader />
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {rows.map((row) => (
              <Table.Row key={row.language} data-language={row.language}>
                <Table.Cell fontFamily="mono">{row.language}</Table.Cell>
                <Table.Cell>{row.name}</Table.Cell>
                <Table.Cell>{row.short_description ?? <Text as="span" color="fg.muted">—</Text>}</Table.Cell>
                <Table.Cell>
                  <Stack gap={0}>
                    <Text fontSize="sm"><ZonedTime value={row.changed_at} zone={zone} /></Text>
                    {row.changed_by ? <Text fontSize="xs" color="fg.muted">{t("languages.by", { user: row.changed_by })}</Text> : null}
                  </Stack>
                </Table.Cell>
                <Table.Cell textAlign="end">
                  <Flex gap={2} justify="end">
                    <Button size="xs" variant="outline" disabled={!canManage} title={needs} onClick={() => edit(row)} data-testid="translation-edit">
                      {t("languages.edit")}
                    </Button>
                    <Confirm
                      title={t("languages.deleteTitle", { language: row.language })}
                      body={t("languages.deleteBody", { language: row.language, name: row.name })}
                      confirmLabel={t("common.delete")}
                      onConfirm={() => remove(row.language)}
                      trigger={
                        <IconButton size="xs" variant="outline" colorPalette="red" disabled={!canManage} title={needs ?? t("common.delete")}
                          aria-label={t("common.delete")} data-testid="translation-delete">
                          ✕
                        </IconButton>
                      }
                    />
                  </Flex>
                </Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </Table.Root>
      )}

      <Stack gap={3} maxW="3xl" borderWidth="1px" borderColor="border" rounded="md" p={4} bg="bg.subtle">
        <Text fontWeight="semibold">{t("languages.setTitle")}</Text>
        <Flex gap={3} wrap="wrap">
          <Field.Root required disabled={!canManage} invalid={language !== "" && !isLanguage(language)} maxW="40">
            <Field.Label>{t("languages.language")}</Field.Label>
            <Input value={language} onChange={(e) => setLanguage(e.target.value)} placeholder="en" maxLength={10} data-testid="translation-language" />
            <Field.ErrorText>{t("languages.languageHint")}</Field.ErrorText>
          </Field.Root>
          <Field.Root required disabled={!canManage} flex="1" minW="60">
            <Field.Label>{t("languages.name")}</Field.Label>
            <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} data-testid="translation-name" />
          </Field.Root>
        </Flex>
        <Field.Root disabled={!canManage}>
          <Field.Label>{t("languages.description")}</Field.Label>
          <Textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} data-testid="translation-description" />
        </Field.Root>
        <Flex>
          <Button size="sm" colorPalette="blue" loading={busy} disabled={!canManage || !valid} title={needs} onClick={() => void save()} data-testid="translation-save">
            {t("common.save")}
          </Button>
        </Flex>
      </Stack>
    </Stack>
  );
}
