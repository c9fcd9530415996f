-- Serialise member changes of one list. SQLite needs nothing more: every write transaction there is
-- BEGIN IMMEDIATE. PostgreSQL locks the row (members_lock_list.postgresql.sql).
SELECT list_id AS id
FROM marketing_list
WHERE list_id = :list_id;
