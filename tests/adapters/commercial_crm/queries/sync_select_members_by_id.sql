-- The desired state of the members named, as sync_select_members reads a whole list's (a changes-only
-- sync). As there:
-- The desired state of one list: its members with the contact data that travels to CleverReach. The status is
-- stored in the CRM's words and mapped here; the e-mail is the primary column (empty: the member is rejected,
-- the secondary column is never used); "no marketing" is the contact's or its account's "do not bulk
-- e-mail"; the change time is the contact's modified_on.
-- Times are the organisation's local time, shifted by its utc_offset_minutes (PostgreSQL: .postgresql.sql).
SELECT m.contact_id AS contact_person_id,
       CASE m.sync_status
           WHEN 'queued' THEN 'pending'
           WHEN 'in_sync' THEN 'synced'
           WHEN 'awaiting_opt_in' THEN 'unconfirmed'
           WHEN 'refused' THEN 'rejected'
           WHEN 'opted_out' THEN 'unsubscribed'
           WHEN 'undeliverable' THEN 'bounced'
       END AS sync_state,
       m.sync_message AS sync_error,
       strftime('%Y-%m-%d %H:%M:%f', m.last_synced_on, -o.utc_offset_minutes || ' minutes') || '+00:00' AS synced_at,
       c.email_address1 AS email,
       c.salutation,
       c.first_name,
       c.last_name,
       c.job_title AS function,
       a.name AS company,
       (c.do_not_bulk_email OR COALESCE(a.do_not_bulk_email, false)) AS no_marketing,
       strftime('%Y-%m-%d %H:%M:%f', c.deleted_on, -o.utc_offset_minutes || ' minutes') || '+00:00' AS deleted_at,
       strftime('%Y-%m-%d %H:%M:%f', c.modified_on, -o.utc_offset_minutes || ' minutes') || '+00:00' AS changed_at
FROM marketing_list_member m
JOIN contact c ON c.contact_id = m.contact_id AND c.organization_id = :tenant_id
JOIN organization o ON o.organization_id = c.organization_id
LEFT JOIN account a ON a.account_id = c.parent_account_id
WHERE m.list_id = :list_id AND m.contact_id IN :contact_ids;
