SELECT id, external_id, name, short_description, remote_member_count, remote_deleted_at
FROM recipient_list
WHERE tenant_id = :tenant_id
ORDER BY id;
