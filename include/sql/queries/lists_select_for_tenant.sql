-- A tenant's recipient lists, or the one named if it is the tenant's. Every read of a list by id goes
-- through this query, so that "this tenant owns this list" is checked in one place.
SELECT id, tenant_id, external_id, name, short_description, remote_member_count, remote_deleted_at
FROM recipient_list
WHERE tenant_id = :tenant_id AND (:list_id IS NULL OR id = :list_id)
ORDER BY id;
