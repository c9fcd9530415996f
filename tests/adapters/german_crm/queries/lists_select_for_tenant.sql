-- The tenant's CleverReach lists, or the one named if it is the tenant's: the distribution lists that
-- carry a CleverReach group id (the CRM's other lists, for letters or events, are not the integration's).
SELECT verteiler_id AS id, mandant_nr AS tenant_id, cr_gruppen_id AS external_id, bezeichnung AS name,
       kurzbeschreibung AS short_description, cr_anzahl AS remote_member_count, cr_geloescht_am AS remote_deleted_at
FROM verteiler
WHERE mandant_nr = :tenant_id AND cr_gruppen_id IS NOT NULL AND (:list_id IS NULL OR verteiler_id = :list_id)
ORDER BY verteiler_id;
