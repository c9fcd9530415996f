SELECT id, tenant_id, external_id, name, remote_deleted_at
FROM recipient_list
WHERE id = :list_id;
