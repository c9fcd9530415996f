-- Positional parameters (driver executemany), in the order organisation, contact, time, kind, subject, detail,
-- source, key. The row's parameters are a derived table, so that the organisation's offset turns the UTC time
-- into its local time; kinds and the source are mapped into the CRM's words, the key goes to
-- external_reference, whose unique (organization_id, channel, external_reference) makes reruns add nothing.
-- SQLite needs the WHERE before ON CONFLICT of an INSERT ... SELECT.
INSERT INTO activity (organization_id, regarding_contact_id, actual_end, activity_type, subject, description, channel,
                      external_reference, created_by)
SELECT o.organization_id, r.contact_id, strftime('%Y-%m-%d %H:%M:%f', r.occurred_at, o.utc_offset_minutes || ' minutes'),
       CASE r.kind
           WHEN 'mail_sent' THEN 'Email Sent'
           WHEN 'mail_opened' THEN 'Email Opened'
           WHEN 'mail_clicked' THEN 'Email Link Clicked'
           WHEN 'mail_bounced' THEN 'Email Bounced'
           WHEN 'unsubscribed' THEN 'Opt-Out'
       END,
       r.subject, r.detail,
       CASE r.source WHEN 'cleverreach' THEN 'CleverReach Connector' END,
       r.external_key, 'CleverReach Connector'
FROM (SELECT ? AS tenant_id, ? AS contact_id, ? AS occurred_at, ? AS kind, ? AS subject, ? AS detail, ? AS source,
             ? AS external_key) AS r
JOIN organization o ON o.organization_id = r.tenant_id
WHERE true
ON CONFLICT (organization_id, channel, external_reference) DO NOTHING;
