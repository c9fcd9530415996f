-- The organisation's own spellings of tags, relationship types (categories) and sales processes.
SELECT 'tag' AS kind, t.tag AS value
FROM account_tag t
JOIN account a ON a.account_id = t.account_id
WHERE a.organization_id = :tenant_id
UNION
SELECT 'category' AS kind, a.relationship_type AS value
FROM account a
WHERE a.organization_id = :tenant_id AND a.relationship_type IS NOT NULL
UNION
SELECT 'sales_process' AS kind, v.sales_process AS value
FROM opportunity v
JOIN account a ON a.account_id = v.account_id
WHERE a.organization_id = :tenant_id;
