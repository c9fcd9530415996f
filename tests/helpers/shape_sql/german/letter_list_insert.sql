-- A distribution list of the CRM's own (letters), without a CleverReach group: never the integration's.
INSERT INTO verteiler (mandant_nr, bezeichnung, angelegt_am, angelegt_von)
VALUES (:tenant_id, :name, :now, 'crm');
