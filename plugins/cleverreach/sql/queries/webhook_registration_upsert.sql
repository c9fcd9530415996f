-- Store a registration as pending before the registration call (its verification GET reads `verify`). A row that
-- exists is replaced; its token hash stays until the new registration's token replaces it, and its URL is the
-- registration's own tenant's again (route_tenant_id: a rename's old URL is no longer the one CleverReach calls).
INSERT INTO {{ state }}.webhook_registration (tenant_id, list_id, group_id, event, url, verify, hook_status, changed_at)
VALUES (:tenant_id, :list_id, :group_id, :event, :url, :verify, 'pending', :now)
ON CONFLICT (tenant_id, list_id, event) DO UPDATE
SET group_id = excluded.group_id, url = excluded.url, verify = excluded.verify, hook_status = 'pending',
    route_tenant_id = NULL, changed_at = excluded.changed_at;
