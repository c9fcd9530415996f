-- Serialise member changes of one list, so that the counts of added/already present stay exact when two
-- runs work on the same list. NO KEY UPDATE does not block inserts that only reference the row.
SELECT id
FROM recipient_list
WHERE id = :list_id
FOR NO KEY UPDATE;
