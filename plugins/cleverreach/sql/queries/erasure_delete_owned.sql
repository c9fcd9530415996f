-- One ownership row of an erased person, deleted only once its receiver is confirmed gone from its group
-- (else a later sync would no longer know the receiver is its own, and nothing would ever remove it).
DELETE FROM {{ state }}.sync_owned_receiver
WHERE list_id = :list_id AND email_key = :email_key;
