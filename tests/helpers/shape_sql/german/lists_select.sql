SELECT verteiler_id AS id, cr_gruppen_id AS external_id, bezeichnung AS name, cr_anzahl AS remote_member_count,
       cr_geloescht_am AS remote_deleted_at
FROM verteiler WHERE mandant_nr = :tenant_id ORDER BY verteiler_id;
