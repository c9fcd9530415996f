-- The contact history the integration wrote for the erased persons (rows of other sources stay).
DELETE FROM contact_history
WHERE tenant_id = :tenant_id AND source = 'cleverreach' AND contact_person_id IN :contact_ids;
