-- The organisation's contacts with their primary e-mail, to map report receivers by ext_id (the contact's
-- UUID) or, failing that, by the address that was synced (the secondary address never reaches CleverReach).
SELECT contact_id AS id, email_address1 AS email
FROM contact
WHERE organization_id = :tenant_id;
