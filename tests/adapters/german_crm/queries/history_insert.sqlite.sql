-- Positional parameters (driver executemany), in the order tenant, contact, time, kind, subject, detail,
-- source, key. The CRM's activity table has its own kinds (mapped here), names the source "CleverReach"
-- and keeps the key in fremdschluessel: the unique (mandant_nr, quelle, fremdschluessel) makes reruns
-- add nothing.
INSERT INTO aktivitaet (mandant_nr, ansprechpartner_id, zeitpunkt, art, betreff, notiz, quelle, fremdschluessel,
                        erfasst_von)
VALUES (?, ?, ?,
        CASE ?
            WHEN 'mail_sent' THEN 'Mail versendet'
            WHEN 'mail_opened' THEN 'Mail geöffnet'
            WHEN 'mail_clicked' THEN 'Link geklickt'
            WHEN 'mail_bounced' THEN 'Mail unzustellbar'
            WHEN 'unsubscribed' THEN 'Newsletter abgemeldet'
        END,
        ?, ?,
        CASE ? WHEN 'cleverreach' THEN 'CleverReach' END,
        ?, 'Schnittstelle CleverReach')
ON CONFLICT (mandant_nr, quelle, fremdschluessel) DO NOTHING;
