// A dialog for an admin action that cannot be undone: it is sent only once the tenant id is typed (the API's
// `confirm`, as the DAG cleverreach_tenant_admin asks for it). A refusal (409) says why and that nothing changed;
// it stays until the input changes. After success the dialog shows the result only.
import { Button, Dialog, Field, Input, Portal, Stack, Text } from "@chakra-ui/react";
import { useState, type ReactElement, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { ErrorNote } from "src/components/States";

import { confirmed } from "./adminText";

export interface TypedConfirmProps {
  tenantId: string;
  title: string;
  body: string;
  confirmLabel: string;
  trigger: ReactElement;
  /** further inputs (the rename's new id) */
  children?: ReactNode;
  /** whether the further inputs are valid (beside the typed tenant id) */
  ready?: boolean;
  /** send the action with the typed confirmation; returns what to show on success */
  onSubmit: (typed: string) => Promise<ReactNode>;
  onClosed?: () => void;
}

export function TypedConfirm({ tenantId, title, body, confirmLabel, trigger, children, ready = true, onSubmit, onClosed }: TypedConfirmProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ReactNode>(null);
  const canSend = !busy && result === null && ready && confirmed(tenantId, typed);

  const change = (value: string) => {
    setTyped(value);
    setError(null);
  };
  const submit = async () => {
    if (!canSend) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await onSubmit(typed.trim()));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog.Root
      open={open}
      role="alertdialog"
      onOpenChange={(e) => {
        setOpen(e.open);
        if (e.open) {
          setTyped("");
          setError(null);
          setResult(null);
        } else onClosed?.();
      }}
    >
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid="confirm-dialog">
            <form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
              <Dialog.Header><Dialog.Title>{title}</Dialog.Title></Dialog.Header>
              <Dialog.Body>
                <Stack gap={3}>
                  <Text>{body}</Text>
                  {result === null ? (
                    <>
                      {children}
                      <Field.Root required>
                        <Field.Label>{t("admin.typeTenant", { tenant: tenantId })}</Field.Label>
                        <Input data-testid="confirm-text" autoComplete="off" value={typed} onChange={(e) => change(e.currentTarget.value)} />
                      </Field.Root>
                    </>
                  ) : null}
                  <ErrorNote error={error} />
                  {result}
                </Stack>
              </Dialog.Body>
              <Dialog.Footer>
                <Dialog.ActionTrigger asChild>
                  <Button variant="outline" data-testid="confirm-cancel">{result === null ? t("common.cancel") : t("admin.close")}</Button>
                </Dialog.ActionTrigger>
                {result === null ? (
                  <Button type="submit" colorPalette="red" loading={busy} disabled={!canSend} data-testid="confirm-ok">{confirmLabel}</Button>
                ) : null}
              </Dialog.Footer>
            </form>
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}
