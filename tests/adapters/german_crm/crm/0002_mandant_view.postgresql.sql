-- The tenants as the CRM shows them: active unless locked.
CREATE OR REPLACE VIEW mandant AS
SELECT mandant_nr, bezeichnung, cr_verbindung, NOT gesperrt AS aktiv, zeitzone
FROM mandant_stamm;
