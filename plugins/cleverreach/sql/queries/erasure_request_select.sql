-- One erasure request by its reference, with the data it names (NULL once purged).
SELECT id, tenant_id, contact_ids, emails, requested_by, requested_at, status, counts, dag_id, run_id, finished_at,
       purged_at
FROM {{ state }}.erasure_request
WHERE id = :id;
