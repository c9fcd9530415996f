-- How many members a list has in the given states, counted only up to a cap (an index range that stops
-- early): the store uses it to choose between the two page queries.
SELECT count(*) AS n FROM (
    SELECT 1 FROM recipient_list_member WHERE list_id = :list_id AND sync_state IN :states LIMIT :cap
) AS s;
