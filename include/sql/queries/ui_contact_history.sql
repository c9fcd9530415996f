-- One page of a contact's history, newest first (index contact_history_contact_idx).
SELECT occurred_at, kind, subject, detail, source
FROM contact_history
WHERE tenant_id = :tenant_id AND contact_person_id = :contact_id
ORDER BY occurred_at DESC, id DESC
LIMIT :limit OFFSET :offset;
