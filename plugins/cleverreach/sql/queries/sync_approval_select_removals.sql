-- The receivers an approved (blocked) plan removes: its stored removal rows, by the receiver's e-mail as stored.
SELECT email
FROM {{ state }}.sync_change
WHERE run_id = :run_id AND action IN ('remove', 'deactivate');
