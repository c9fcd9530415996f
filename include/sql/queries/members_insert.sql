-- Add persons (contact_ids is an expanding list, sent in chunks) to a list; the sync then sends them to
-- CleverReach. One set-based statement per chunk instead of one round trip per person. An existing
-- member row (whatever its sync_state, e.g. unsubscribed) is left as it is.
INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, added_by, sync_state)
SELECT :list_id, c.id, :now, :actor, 'pending'
FROM contact_person c
WHERE c.tenant_id = :tenant_id AND c.id IN :contact_ids
ON CONFLICT (list_id, contact_person_id) DO NOTHING;
