-- History rows from the staging table into the CRM's activities: the UTC time becomes the organisation's local
-- time, kinds and the source are mapped (see history_insert.sqlite.sql); reruns add nothing.
INSERT INTO activity (organization_id, regarding_contact_id, actual_end, activity_type, subject, description, channel,
                      external_reference, created_by)
SELECT o.organization_id, s.contact_person_id, (s.occurred_at AT TIME ZONE o.time_zone),
       CASE s.kind
           WHEN 'mail_sent' THEN 'Email Sent'
           WHEN 'mail_opened' THEN 'Email Opened'
           WHEN 'mail_clicked' THEN 'Email Link Clicked'
           WHEN 'mail_bounced' THEN 'Email Bounced'
           WHEN 'unsubscribed' THEN 'Opt-Out'
       END,
       s.subject, s.detail,
       CASE s.source WHEN 'cleverreach' THEN 'CleverReach Connector' END,
       s.external_key, 'CleverReach Connector'
FROM contact_history_staging s
JOIN organization o ON o.organization_id = s.tenant_id
ON CONFLICT (organization_id, channel, external_reference) DO NOTHING;
