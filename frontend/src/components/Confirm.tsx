// A confirmation before anything that removes receivers (or cannot be undone): nothing is sent until confirmed.
import { Button, Dialog, Portal, Text } from "@chakra-ui/react";
import { useState, type ReactElement } from "react";
import { useTranslation } from "react-i18next";

export interface ConfirmProps {
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
  trigger: ReactElement;
  danger?: boolean;
}

export function Confirm({ title, body, confirmLabel, onConfirm, trigger, danger = true }: ConfirmProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog.Root open={open} onOpenChange={(e) => setOpen(e.open)} role="alertdialog">
      <Dialog.Trigger asChild>{trigger}</Dialog.Trigger>
      <Portal>
        <Dialog.Backdrop />
        <Dialog.Positioner>
          <Dialog.Content data-testid="confirm-dialog">
            <Dialog.Header><Dialog.Title>{title}</Dialog.Title></Dialog.Header>
            <Dialog.Body><Text>{body}</Text></Dialog.Body>
            <Dialog.Footer>
              <Dialog.ActionTrigger asChild>
                <Button variant="outline" data-testid="confirm-cancel">{t("common.cancel")}</Button>
              </Dialog.ActionTrigger>
              <Button
                colorPalette={danger ? "red" : "blue"}
                loading={busy}
                data-testid="confirm-ok"
                onClick={async () => {
                  setBusy(true);
                  try {
                    await onConfirm();
                  } finally {
                    setBusy(false);
                    setOpen(false);
                  }
                }}
              >
                {confirmLabel}
              </Button>
            </Dialog.Footer>
          </Dialog.Content>
        </Dialog.Positioner>
      </Portal>
    </Dialog.Root>
  );
}
