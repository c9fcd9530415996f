SELECT contact_person_id AS contact_id, kind, subject, source, external_key
FROM contact_history WHERE tenant_id = :tenant_id ORDER BY external_key;
