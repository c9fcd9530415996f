// A tenant's recipient lists (imported from its CleverReach groups by cleverreach_import_lists); a click opens one.
import { Badge, Flex, Link, Table, Text } from "@chakra-ui/react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useNavigate } from "react-router-dom";

import { enc } from "src/api/client";
import type { RecipientList } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Empty, ErrorNote, Loading } from "src/components/States";
import { ZonedTime } from "src/components/Time";
import { paths, usePluginRoot } from "src/context/paths";

export function ListsTab({ tenantId, zone }: { tenantId: string; zone: string | null }) {
  const { t } = useTranslation();
  const root = usePluginRoot();
  const navigate = useNavigate();
  const lists = useApi<RecipientList[]>(`tenants/${enc(tenantId)}/lists`);
  if (lists.loading && !lists.data) return <Loading />;
  if (!lists.data) return <ErrorNote error={lists.error} />;
  if (lists.data.length === 0) return <Empty title={t("tenant.listsEmpty")} hint={t("tenant.listsEmptyHint")} />;
  return (
    <Table.Root size="sm" interactive data-testid="lists">
      <Table.Header>
        <Table.Row>
          <Table.ColumnHeader>{t("tenant.listId")}</Table.ColumnHeader>
          <Table.ColumnHeader>{t("tenant.listName")}</Table.ColumnHeader>
          <Table.ColumnHeader>{t("tenant.shortDescription")}</Table.ColumnHeader>
          <Table.ColumnHeader>{t("tenant.externalId")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end">{t("tenant.remoteMembers")}</Table.ColumnHeader>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {lists.data.map((list) => {
          const to = paths.list(root, tenantId, list.id);
          return (
            <Table.Row key={list.id} data-list={list.id} data-gone={list.gone_at ? "" : undefined} cursor="pointer" onClick={() => navigate(to)}>
              <Table.Cell fontFamily="mono" fontSize="xs">{list.id}</Table.Cell>
              <Table.Cell>
                <Flex gap={2} align="center" wrap="wrap">
                  <Link asChild colorPalette="blue" onClick={(e) => e.stopPropagation()}>
                    <RouterLink to={to}>{list.name}</RouterLink>
                  </Link>
                  {list.gone_at ? (
                    <Badge colorPalette="orange" data-testid="list-gone" title={t("tenant.goneHint")}>
                      {t("tenant.gone")} <ZonedTime value={list.gone_at} zone={zone} />
                    </Badge>
                  ) : null}
                </Flex>
              </Table.Cell>
              <Table.Cell>{list.short_description ?? <Text as="span" color="fg.muted">–</Text>}</Table.Cell>
              <Table.Cell fontFamily="mono" fontSize="xs">{list.external_id}</Table.Cell>
              <Table.Cell textAlign="end">{list.remote_member_count ?? <Text as="span" color="fg.muted">–</Text>}</Table.Cell>
            </Table.Row>
          );
        })}
      </Table.Body>
    </Table.Root>
  );
}
