// Erase a person (a data-subject request): the admin names contact ids and/or e-mail addresses; the API stores the
// request and triggers cleverreach_erase_contact with its reference only. The addresses leave the page once sent;
// the request's status (counts only, never whom) is polled until it is done or failed.
import { Badge, Button, Field, Flex, Link, Stack, Text, Textarea } from "@chakra-ui/react";
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { api, enc } from "src/api/client";
import type { ErasureCreated, ErasureState } from "src/api/types";
import { ErrorNote } from "src/components/States";
import { ZonedTime } from "src/components/Time";

import { erasureBody, erasureEnded, flatCounts } from "./adminText";
import { runHref } from "./auditText";
import { TypedConfirm } from "./TypedConfirm";
import { useWords } from "src/i18n/vocabulary";

const POLL_MS = 3000;

function ErasureStatus({ tenantId, created, zone }: { tenantId: string; created: ErasureCreated; zone: string | null }) {
  const { t } = useTranslation();
  const { word } = useWords();
  const [state, setState] = useState<ErasureState | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const found = await api<ErasureState>(`tenants/${enc(tenantId)}/erasures/${enc(created.reference)}`);
        if (stopped) return;
        setState(found);
        setError(null);
        if (erasureEnded(found.status)) return;
      } catch (err) {
        if (stopped) return;
        setError(err);
      }
      timer = window.setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [tenantId, created.reference]);
  const tz = state?.time_zone ?? created.time_zone ?? zone;
  const status = state?.status ?? "pending";
  const palette = status === "done" ? "green" : status === "failed" ? "red" : "blue";
  const dagId = state?.dag_id ?? created.dag_id;
  const runId = state?.dag_run_id ?? created.dag_run_id;
  return (
    <Stack gap={2} mt={3} p={3} borderWidth="1px" borderColor="border" borderRadius="md" data-testid="erasure-status" data-status={status}>
      <Flex gap={2} align="center" wrap="wrap">
        <Text fontSize="sm">{t("admin.erasureRequest", { reference: created.reference })}</Text>
        <Badge colorPalette={palette}>{t("admin.erasureState", { status: word("erasure", status) })}</Badge>
        {state?.purged ? <Badge colorPalette="gray">{t("admin.erasurePurged")}</Badge> : null}
      </Flex>
      <Text fontSize="sm" color="fg.muted">
        {t("admin.erasureAsked", { contacts: created.contacts, emails: created.emails })}
        {state?.requested_at ? <> · {t("admin.erasureRequestedAt")} <ZonedTime value={state.requested_at} zone={tz} /></> : null}
        {state?.finished_at ? <> · {t("admin.erasureFinishedAt")} <ZonedTime value={state.finished_at} zone={tz} /></> : null}
      </Text>
      {state?.counts ? (
        <Flex gap={1} wrap="wrap">
          {flatCounts(state.counts).map((chip) => <Badge key={chip} variant="subtle" fontFamily="mono" fontWeight="normal">{chip}</Badge>)}
        </Flex>
      ) : null}
      {dagId && runId ? <Link href={runHref(dagId, runId)} colorPalette="blue" fontSize="sm">{t("common.openRun")}</Link> : null}
      <ErrorNote error={error} />
    </Stack>
  );
}

export function ErasureDialog({ tenantId, zone }: { tenantId: string; zone: string | null }) {
  const { t } = useTranslation();
  const [contacts, setContacts] = useState("");
  const [emails, setEmails] = useState("");
  const [created, setCreated] = useState<ErasureCreated | null>(null);
  const body = erasureBody(contacts, emails);
  const ready = body.contact_ids.length + body.emails.length > 0;

  const erase = async (): Promise<ReactNode> => {
    const r = await api<ErasureCreated>(`tenants/${enc(tenantId)}/erasures`, { method: "POST", body });
    setContacts("");
    setEmails("");
    setCreated(r);
    return <Text data-testid="admin-result">{t("admin.erasureStored", { reference: r.reference, contacts: r.contacts, emails: r.emails, run: r.dag_run_id })}</Text>;
  };

  return (
    <>
      <TypedConfirm
        tenantId={tenantId}
        title={t("admin.eraseTitle")}
        body={t("admin.eraseBody", { tenant: tenantId })}
        confirmLabel={t("admin.eraseOk")}
        ready={ready}
        onSubmit={erase}
        onClosed={() => { setContacts(""); setEmails(""); }}
        trigger={<Button size="sm" variant="outline" colorPalette="red" data-testid="tenant-erase">{t("admin.eraseButton")}</Button>}
      >
        <Field.Root>
          <Field.Label>{t("admin.eraseContacts")}</Field.Label>
          <Textarea data-testid="erase-contacts" rows={2} autoComplete="off" value={contacts} onChange={(e) => setContacts(e.currentTarget.value)} />
          <Field.HelperText>{t("admin.eraseContactsHint")}</Field.HelperText>
        </Field.Root>
        <Field.Root>
          <Field.Label>{t("admin.eraseEmails")}</Field.Label>
          <Textarea data-testid="erase-emails" rows={3} autoComplete="off" value={emails} onChange={(e) => setEmails(e.currentTarget.value)} />
          <Field.HelperText>{t("admin.eraseEmailsHint")}</Field.HelperText>
        </Field.Root>
      </TypedConfirm>
      {created ? <ErasureStatus key={created.reference} tenantId={tenantId} created={created} zone={zone} /> : null}
    </>
  );
}
