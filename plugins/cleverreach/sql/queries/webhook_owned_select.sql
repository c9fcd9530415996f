-- The owned receiver an event names, by its CleverReach id (index of migration state/0009).
SELECT email_key, contact_person_id
FROM {{ state }}.sync_owned_receiver
WHERE list_id = :list_id AND group_id = :group_id AND receiver_id = :receiver_id;
