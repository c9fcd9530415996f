-- The organisation's contacts with their primary e-mail (the only address the integration ever sent), to find
-- the ones an erasure request names; the secondary column is never the marketing address.
SELECT contact_id AS id, email_address1 AS email
FROM contact
WHERE organization_id = :tenant_id;
