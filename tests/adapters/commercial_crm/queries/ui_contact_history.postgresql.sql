-- One page of a contact's activities, newest first: the CRM's own as they are, the e-mail activities in the
-- integration's words, times in UTC.
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
SELECT (h.actual_end AT TIME ZONE o.time_zone) AS occurred_at,
       CASE h.activity_type
           WHEN 'Email Sent' THEN 'mail_sent'
           WHEN 'Email Opened' THEN 'mail_opened'
           WHEN 'Email Link Clicked' THEN 'mail_clicked'
           WHEN 'Email Bounced' THEN 'mail_bounced'
           WHEN 'Opt-Out' THEN 'unsubscribed'
           ELSE h.activity_type
       END AS kind,
       h.subject,
       h.description AS detail,
       CASE h.channel WHEN 'CleverReach Connector' THEN 'cleverreach' ELSE h.channel END AS source
FROM activity h
JOIN organization o ON o.organization_id = h.organization_id
WHERE h.organization_id = :tenant_id AND h.regarding_contact_id = :contact_id
ORDER BY h.actual_end DESC, h.activity_id DESC
LIMIT :limit OFFSET :offset;
