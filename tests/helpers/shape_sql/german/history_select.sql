SELECT ansprechpartner_id AS contact_id, art AS kind, betreff AS subject, quelle AS source,
       fremdschluessel AS external_key
FROM aktivitaet WHERE mandant_nr = :tenant_id ORDER BY fremdschluessel;
