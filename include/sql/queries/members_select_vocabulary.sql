-- The tenant's own spellings of tags, categories and sales processes. The dialog's exact,
-- case-insensitive filters are resolved against them in Python, which folds case the same way on
-- SQLite and PostgreSQL (umlauts included); the candidate query then compares exactly.
SELECT 'tag' AS kind, t.tag AS value
FROM address_tag t
JOIN address a ON a.id = t.address_id
WHERE a.tenant_id = :tenant_id
UNION
SELECT 'category' AS kind, a.category AS value
FROM address a
WHERE a.tenant_id = :tenant_id AND a.category IS NOT NULL
UNION
SELECT 'sales_process' AS kind, s.sales_process AS value
FROM address_sales_process s
JOIN address a ON a.id = s.address_id
WHERE a.tenant_id = :tenant_id;
