-- A receiver deleted in CleverReach: nothing to own any more (what the sync does when it finds it gone).
DELETE FROM {{ state }}.sync_owned_receiver
WHERE list_id = :list_id AND group_id = :group_id AND receiver_id = :receiver_id;
