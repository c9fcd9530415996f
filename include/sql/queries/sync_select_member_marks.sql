-- Every member of one list with only what tells whether a changes-only sync must read it (cleverreach.sync.scope):
-- its stored state, when it was last synced, when its contact last changed. No personal data.
SELECT m.contact_person_id,
       m.sync_state,
       m.synced_at,
       cp.changed_at
FROM recipient_list_member m
JOIN contact_person cp ON cp.id = m.contact_person_id AND cp.tenant_id = :tenant_id
WHERE m.list_id = :list_id;
