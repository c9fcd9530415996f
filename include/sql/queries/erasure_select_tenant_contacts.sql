-- The tenant's contact persons with their e-mail, to find the ones an erasure request names.
SELECT id, email FROM contact_person WHERE tenant_id = :tenant_id;
