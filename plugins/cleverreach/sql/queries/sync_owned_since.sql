-- Since when the sync owns the receivers of these e-mail keys: a row written again keeps it (ListState.save_owned).
SELECT email_key, receiver_id, since
FROM {{ state }}.sync_owned_receiver
WHERE list_id = :list_id AND email_key IN :email_keys;
