-- Serialise member changes of one list. SQLite needs nothing more: every CRM write transaction there
-- is BEGIN IMMEDIATE (see cleverreach.hooks.crm). PostgreSQL locks the row (members_lock_list.postgresql.sql).
SELECT id
FROM recipient_list
WHERE id = :list_id;
