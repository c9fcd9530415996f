SELECT id, external_id, name, remote_member_count, remote_deleted_at
FROM recipient_list WHERE tenant_id = :tenant_id ORDER BY id;
