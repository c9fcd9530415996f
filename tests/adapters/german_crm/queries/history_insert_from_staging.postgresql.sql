-- History rows from the staging table into the CRM's activity table, kinds and source mapped (see
-- history_insert.sqlite.sql); reruns add nothing.
INSERT INTO aktivitaet (mandant_nr, ansprechpartner_id, zeitpunkt, art, betreff, notiz, quelle, fremdschluessel,
                        erfasst_von)
SELECT tenant_id, contact_person_id, occurred_at,
       CASE kind
           WHEN 'mail_sent' THEN 'Mail versendet'
           WHEN 'mail_opened' THEN 'Mail geöffnet'
           WHEN 'mail_clicked' THEN 'Link geklickt'
           WHEN 'mail_bounced' THEN 'Mail unzustellbar'
           WHEN 'unsubscribed' THEN 'Newsletter abgemeldet'
       END,
       subject, detail,
       CASE source WHEN 'cleverreach' THEN 'CleverReach' END,
       external_key, 'Schnittstelle CleverReach'
FROM contact_history_staging
ON CONFLICT (mandant_nr, quelle, fremdschluessel) DO NOTHING;
