-- The organisation's CleverReach lists with their group id (the watermarks are the integration's private state).
SELECT list_id, cleverreach_group_id AS external_id
FROM marketing_list
WHERE organization_id = :tenant_id AND cleverreach_group_id IS NOT NULL
ORDER BY list_id;
