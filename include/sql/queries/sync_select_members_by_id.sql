-- The desired state of the members named, as sync_select_members reads a whole list's (a changes-only sync,
-- cleverreach.sync.scope).
-- The tenant condition keeps another tenant's contact out even if a member row pointed at it.
-- no_marketing and deleted_at are the CRM's own consent marks (a member with either is removed from the
-- group, not sent); changed_at is when the contact's data last changed (after synced_at: the member is
-- stamped again by the sync even when nothing it sends differs).
SELECT m.contact_person_id,
       m.sync_state,
       m.sync_error,
       m.synced_at,
       cp.email,
       cp.salutation,
       cp.first_name,
       cp.last_name,
       cp.function,
       a.name AS company,
       cp.no_marketing,
       cp.deleted_at,
       cp.changed_at
FROM recipient_list_member m
JOIN contact_person cp ON cp.id = m.contact_person_id AND cp.tenant_id = :tenant_id
LEFT JOIN address a ON a.id = cp.address_id
WHERE m.list_id = :list_id AND m.contact_person_id IN :contact_ids;
