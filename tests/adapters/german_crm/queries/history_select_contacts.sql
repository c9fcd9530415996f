-- The tenant's contact persons with their primary e-mail, to map report receivers by ext_id or, failing
-- that, by the address that was synced (secondary addresses never reach CleverReach).
SELECT p.ansprechpartner_id AS id, e.email
FROM ansprechpartner p
LEFT JOIN ansprechpartner_email e ON e.ansprechpartner_id = p.ansprechpartner_id AND e.ist_primaer
WHERE p.mandant_nr = :tenant_id;
