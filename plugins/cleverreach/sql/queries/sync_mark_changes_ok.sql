-- One batch's successful items; the e-mail list is an expanding bind parameter.
UPDATE {{ state }}.sync_change
SET result = :result, error = NULL
WHERE run_id = :run_id AND action = :action AND email IN :emails;
