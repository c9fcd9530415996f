-- An approval whose run could not be triggered: withdrawn, so no later run with that id finds it.
DELETE FROM {{ state }}.sync_approval WHERE id = :id AND used_at IS NULL;
