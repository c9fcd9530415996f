-- The tenant's contact persons, to map report receivers by ext_id or, failing that, by e-mail.
SELECT id, email FROM contact_person WHERE tenant_id = :tenant_id;
