-- The receivers the sync owns in one list's group (sync_owned_receiver, see migration 0005). Not since: a plan
-- does not need it, and a rewritten row keeps it (sync_owned_since).
SELECT email_key, receiver_id, contact_person_id, origin, our_deactivated
FROM {{ state }}.sync_owned_receiver
WHERE list_id = :list_id AND group_id = :group_id;
