-- One contact person of the tenant (another tenant's person reads as missing).
SELECT p.id, p.salutation, p.first_name, p.last_name, p.function, p.email, a.name AS address_name
FROM contact_person p
LEFT JOIN address a ON a.id = p.address_id
WHERE p.id = :contact_id AND p.tenant_id = :tenant_id;
