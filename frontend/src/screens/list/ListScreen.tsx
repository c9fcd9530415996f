// One recipient list: its tabs (details, languages, members, add recipients, sync) under
// tenants/:tenantId/lists/:listId/:tab, so a reload or a shared link opens the same tab.
import { Tabs } from "@chakra-ui/react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";

import { enc } from "src/api/client";
import type { ListDetail, Tenant } from "src/api/types";
import { useApi } from "src/api/useApi";
import { Frame } from "src/components/Frame";
import { ErrorNote, Loading } from "src/components/States";
import { paths, usePluginRoot } from "src/context/paths";

import { AddRecipientsTab } from "./AddRecipientsTab";
import { DetailsTab } from "./DetailsTab";
import { LanguagesTab } from "./LanguagesTab";
import { MembersTab } from "./MembersTab";
import { SyncTab } from "./SyncTab";
import { tabOf } from "./listTabs";

export function ListScreen() {
  const { t } = useTranslation();
  const root = usePluginRoot();
  const navigate = useNavigate();
  const { tenantId = "", listId = "", tab: segment } = useParams();
  const tab = tabOf(segment);
  const base = `tenants/${enc(tenantId)}/lists/${enc(listId)}`;
  const detail = useApi<ListDetail>(base);
  const tenants = useApi<Tenant[]>("tenants");
  const tenantName = tenants.data?.find((tenant) => tenant.id === tenantId)?.name || tenantId;
  const list = detail.data;
  const zone = list?.time_zone ?? null;

  return (
    <Frame
      crumbs={[
        { label: t("tenants.crumb"), to: paths.tenants(root) },
        { label: tenantName, to: paths.tenant(root, tenantId) },
        { label: t("list.crumbLists"), to: paths.tenant(root, tenantId) },
        { label: list?.name ?? listId },
      ]}
      title={list?.name ?? t("list.title", { id: listId })}
    >
      <ErrorNote error={detail.error} />
      {detail.loading && !list ? <Loading /> : null}
      {list ? (
        <Tabs.Root
          value={tab}
          onValueChange={(e) => navigate(paths.list(root, tenantId, listId, tabOf(e.value)))}
          lazyMount
          unmountOnExit
          variant="line"
        >
          <Tabs.List>
            <Tabs.Trigger value="details" data-testid="tab-details">{t("list.tabDetails")}</Tabs.Trigger>
            <Tabs.Trigger value="languages" data-testid="tab-languages">{t("languages.tab")}</Tabs.Trigger>
            <Tabs.Trigger value="members" data-testid="tab-members">{t("members.tab")}</Tabs.Trigger>
            <Tabs.Trigger value="add" data-testid="tab-add">{t("add.tab")}</Tabs.Trigger>
            <Tabs.Trigger value="sync" data-testid="tab-sync">{t("sync.tab")}</Tabs.Trigger>
          </Tabs.List>
          <Tabs.Content value="details">
            <DetailsTab base={base} detail={list} zone={zone} onSaved={detail.reload} />
          </Tabs.Content>
          <Tabs.Content value="languages">
            <LanguagesTab base={base} translations={list.translations} zone={zone} onChanged={detail.reload} />
          </Tabs.Content>
          <Tabs.Content value="members">
            <MembersTab base={base} tenantId={tenantId} counts={list.member_counts} />
          </Tabs.Content>
          <Tabs.Content value="add">
            <AddRecipientsTab base={base} gone={Boolean(list.gone_at ?? (list as { remote_deleted_at?: string | null }).remote_deleted_at)} />
          </Tabs.Content>
          <Tabs.Content value="sync">
            <SyncTab base={base} zone={zone} onStarted={detail.reload} />
          </Tabs.Content>
        </Tabs.Root>
      ) : null}
    </Frame>
  );
}
