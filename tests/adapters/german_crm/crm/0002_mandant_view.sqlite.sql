-- The tenants as the CRM shows them: active unless locked (SQLite has no CREATE OR REPLACE VIEW).
CREATE VIEW IF NOT EXISTS mandant AS
SELECT mandant_nr, bezeichnung, cr_verbindung, NOT gesperrt AS aktiv, zeitzone
FROM mandant_stamm;
