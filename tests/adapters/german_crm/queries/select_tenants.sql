-- Tenants to work on: every active tenant, or the one named (active or not). The view `mandant` turns the
-- base table's lock flag into "aktiv".
SELECT mandant_nr AS id, bezeichnung AS name, cr_verbindung AS cleverreach_conn_id, aktiv AS active,
       zeitzone AS time_zone
FROM mandant
WHERE (:tenant_id IS NULL AND aktiv) OR mandant_nr = :tenant_id
ORDER BY mandant_nr;
