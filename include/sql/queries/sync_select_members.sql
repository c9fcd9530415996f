-- The desired state of one list: its members with the contact data that travels to CleverReach.
-- The tenant condition keeps another tenant's contact out even if a member row pointed at it.
SELECT m.contact_person_id,
       m.sync_state,
       m.sync_error,
       cp.email,
       cp.salutation,
       cp.first_name,
       cp.last_name,
       cp.function,
       a.name AS company
FROM recipient_list_member m
JOIN contact_person cp ON cp.id = m.contact_person_id AND cp.tenant_id = :tenant_id
LEFT JOIN address a ON a.id = cp.address_id
WHERE m.list_id = :list_id
ORDER BY m.contact_person_id;
