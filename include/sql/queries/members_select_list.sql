-- The list the dialog works on; the caller checks that it belongs to the run's tenant.
SELECT id, tenant_id, external_id, name, remote_deleted_at
FROM recipient_list
WHERE id = :list_id;
