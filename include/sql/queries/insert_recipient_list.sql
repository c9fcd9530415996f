-- First import of a group: the name comes from CleverReach once. ON CONFLICT keeps a concurrent or
-- repeated import from creating a second row or overwriting a local rename.
INSERT INTO recipient_list
    (tenant_id, external_id, name, short_description, remote_member_count, imported_at, created_at, created_by)
VALUES
    (:tenant_id, :external_id, :name, :short_description, :remote_member_count, :now, :now, :actor)
ON CONFLICT (tenant_id, external_id) DO NOTHING;
