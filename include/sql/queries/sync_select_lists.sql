-- Lists to sync for a tenant: all of them, or the one named.
SELECT id, tenant_id, external_id, name, remote_deleted_at
FROM recipient_list
WHERE tenant_id = :tenant_id AND (:list_id IS NULL OR id = :list_id)
ORDER BY id;
