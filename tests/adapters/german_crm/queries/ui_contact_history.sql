-- One page of a contact's activities, newest first: the CRM's own as they are, the mail activities in
-- the integration's words.
SELECT zeitpunkt AS occurred_at,
       CASE art
           WHEN 'Mail versendet' THEN 'mail_sent'
           WHEN 'Mail geöffnet' THEN 'mail_opened'
           WHEN 'Link geklickt' THEN 'mail_clicked'
           WHEN 'Mail unzustellbar' THEN 'mail_bounced'
           WHEN 'Newsletter abgemeldet' THEN 'unsubscribed'
           ELSE art
       END AS kind,
       betreff AS subject,
       notiz AS detail,
       CASE quelle WHEN 'CleverReach' THEN 'cleverreach' ELSE quelle END AS source
FROM aktivitaet
WHERE mandant_nr = :tenant_id AND ansprechpartner_id = :contact_id
ORDER BY zeitpunkt DESC, aktivitaet_id DESC
LIMIT :limit OFFSET :offset;
