-- Contact persons of the tenant that may not be marketed to: flagged "no marketing", or deleted or
-- anonymised in the CRM. Each list's sync deletes their receivers from its group, whether or not they
-- are still members of the list.
SELECT id AS contact_person_id, no_marketing, deleted_at
FROM contact_person
WHERE tenant_id = :tenant_id AND (no_marketing OR deleted_at IS NOT NULL)
ORDER BY id;
