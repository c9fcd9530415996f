-- The erased persons leave every list of the tenant.
DELETE FROM verteiler_mitglied
WHERE ansprechpartner_id IN :contact_ids
  AND verteiler_id IN (SELECT verteiler_id FROM verteiler WHERE mandant_nr = :tenant_id);
