-- Contacts that may not be marketed to: their own "do not bulk e-mail" or their account's, or soft-deleted.
--
-- Times are the organisation's local time: AT TIME ZONE its time_zone gives UTC, and back.
SELECT c.contact_id AS contact_person_id,
       (c.do_not_bulk_email OR COALESCE(a.do_not_bulk_email, false)) AS no_marketing,
       (c.deleted_on AT TIME ZONE o.time_zone) AS deleted_at
FROM contact c
JOIN organization o ON o.organization_id = c.organization_id
LEFT JOIN account a ON a.account_id = c.parent_account_id
WHERE c.organization_id = :tenant_id
  AND (c.do_not_bulk_email OR COALESCE(a.do_not_bulk_email, false) OR c.deleted_on IS NOT NULL)
ORDER BY c.contact_id;
