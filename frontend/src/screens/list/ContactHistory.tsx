// A contact's history (mails sent, opened, clicked, bounced, unsubscribes; newest first) in a drawer. The open
// contact is the URL's ?contact=<id>, so a reload shows it again.
import { Button, CloseButton, Drawer, Flex, Portal, Stack, Table, Text } from "@chakra-ui/react";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { enc } from "src/api/client";
import type { ContactHistory as History } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { ZonedTime } from "src/components/Time";

import { personName } from "./memberPaging";
import { useWords } from "src/i18n/vocabulary";

const HISTORY_PAGE = 50;

export function ContactHistory({ tenantId, contactId, onClose }: { tenantId: string; contactId: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { word } = useWords();
  const [page, setPage] = useState(1);
  useEffect(() => setPage(1), [contactId]);
  const history = useApi<History>(contactId === null ? null
    : `tenants/${enc(tenantId)}/contacts/${enc(contactId)}/history?page=${page}&page_size=${HISTORY_PAGE}`);
  const data = history.data && String(history.data.contact.id) === contactId ? history.data : undefined;
  const contact = data?.contact;
  const name = contact ? personName({ salutation: contact.salutation ?? null, first_name: contact.first_name, last_name: contact.last_name }) : "";

  return (
    <Drawer.Root open={contactId !== null} onOpenChange={(e) => { if (!e.open) onClose(); }} size="lg">
      <Portal>
        <Drawer.Backdrop />
        <Drawer.Positioner>
          <Drawer.Content data-testid="history-drawer" data-contact={contactId ?? undefined}>
            <Drawer.Header>
              <Stack gap={0}>
                <Drawer.Title>{t("history.title")}</Drawer.Title>
                <Text fontSize="sm" color="fg.muted" data-testid="history-contact">
                  {contact ? t("history.of", { name: name || t("members.noName"), id: contact.id }) : contactId}
                  {contact?.email ? ` · ${contact.email}` : ""}
                  {contact?.address_name ? ` · ${contact.address_name}` : ""}
                </Text>
              </Stack>
            </Drawer.Header>
            <Drawer.Body>
              <ErrorNote error={history.error} />
              {history.loading && !data ? <Loading /> : null}
              {data && data.events.length === 0 ? <Empty title={t(page === 1 ? "history.empty" : "history.noMore")} /> : null}
              {data && data.events.length > 0 ? (
                <Table.Root size="sm" data-testid="history-events">
                  <Table.Header>
                    <Table.Row>
                      <Table.ColumnHeader>{t("history.when")}</Table.ColumnHeader>
                      <Table.ColumnHeader>{t("history.kind")}</Table.ColumnHeader>
                      <Table.ColumnHeader>{t("history.subject")}</Table.ColumnHeader>
                      <Table.ColumnHeader>{t("history.detail")}</Table.ColumnHeader>
                    </Table.Row>
                  </Table.Header>
                  <Table.Body>
                    {data.events.map((event, index) => (
                      <Table.Row key={`${event.occurred_at}-${index}`} data-kind={event.kind}>
                        <Table.Cell whiteSpace="nowrap"><ZonedTime value={event.occurred_at} zone={data.time_zone ?? null} /></Table.Cell>
                        <Table.Cell>{word("kind", event.kind)}</Table.Cell>
                        <Table.Cell>{event.subject}</Table.Cell>
                        <Table.Cell color="fg.muted">{event.detail}</Table.Cell>
                      </Table.Row>
                    ))}
                  </Table.Body>
                </Table.Root>
              ) : null}
            </Drawer.Body>
            <Drawer.Footer>
              <Flex gap={2} align="center" w="full" justify="space-between">
                <Text fontSize="sm" color="fg.muted" data-testid="history-page">{t("history.page", { page })}</Text>
                <Flex gap={2}>
                  <Button size="xs" variant="outline" disabled={page <= 1} onClick={() => setPage((p) => Math.max(1, p - 1))} data-testid="history-prev">
                    {t("history.newer")}
                  </Button>
                  <Button size="xs" variant="outline" disabled={!data || data.events.length < HISTORY_PAGE} onClick={() => setPage((p) => p + 1)} data-testid="history-next">
                    {t("history.older")}
                  </Button>
                </Flex>
              </Flex>
            </Drawer.Footer>
            <Drawer.CloseTrigger asChild>
              <CloseButton size="sm" aria-label={t("history.close")} data-testid="history-close" />
            </Drawer.CloseTrigger>
          </Drawer.Content>
        </Drawer.Positioner>
      </Portal>
    </Drawer.Root>
  );
}
