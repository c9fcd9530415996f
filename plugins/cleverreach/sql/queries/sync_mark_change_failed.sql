UPDATE {{ state }}.sync_change
SET result = 'failed', error = :error
WHERE run_id = :run_id AND action = :action AND email = :email;
