-- One page of a run's stored plan, optionally one action only, in a stable order.
SELECT id, action, reason, contact_person_id, email, old_value, new_value, result, error
FROM {{ state }}.sync_change
WHERE run_id = :run_pk AND (:action IS NULL OR action = :action)
ORDER BY action, id
LIMIT :limit OFFSET :offset;
