-- The organisation of each account and contact id named; ids missing here do not exist. Account ids are
-- bigint and contact ids UUIDs, so the one id column is their text (the integration's keys are text).
SELECT 'address' AS kind, CAST(account_id AS text) AS id, organization_id AS tenant_id
FROM account
WHERE account_id IN :address_ids
UNION ALL
SELECT 'contact' AS kind, CAST(contact_id AS text) AS id, organization_id AS tenant_id
FROM contact
WHERE contact_id IN :contact_ids;
