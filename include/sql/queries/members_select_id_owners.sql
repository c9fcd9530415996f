-- The tenant of each address id and contact person id named in the params (address_ids and
-- contact_ids are expanding lists); ids that are missing here do not exist.
SELECT 'address' AS kind, id, tenant_id
FROM address
WHERE id IN :address_ids
UNION ALL
SELECT 'contact' AS kind, id, tenant_id
FROM contact_person
WHERE id IN :contact_ids;
