-- Serialise member changes of one list: a row lock on the list (NO KEY UPDATE does not block inserts of
-- members that only reference it).
SELECT list_id AS id
FROM marketing_list
WHERE list_id = :list_id
FOR NO KEY UPDATE;
