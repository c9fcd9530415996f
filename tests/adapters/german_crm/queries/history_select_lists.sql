-- The tenant's CleverReach lists with their group id (the watermarks are the integration's private state).
SELECT verteiler_id AS list_id, cr_gruppen_id AS external_id
FROM verteiler
WHERE mandant_nr = :tenant_id AND cr_gruppen_id IS NOT NULL
ORDER BY verteiler_id;
