-- The activities the integration wrote for the erased persons; the CRM's own (calls, notes) stay.
DELETE FROM aktivitaet
WHERE mandant_nr = :tenant_id AND quelle = 'CleverReach' AND ansprechpartner_id IN :contact_ids;
