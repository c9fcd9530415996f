-- Erasure requests (issue 18): what a data-subject erasure names lives here, not in Airflow. The page stores a
-- request and triggers cleverreach_erase_contact with its opaque reference only, so no address ever reaches
-- dag_run.conf or the rendered task fields. `contact_ids` and `emails` are JSON arrays of text, cleared
-- (NULL, `purged_at` set) when the erasure is done or the request is past retention; status and counts stay.
--   status  pending (stored, not yet run), running, done, failed (keeps its data for the retry)
--   counts  the erasure's report: counts only, never whom
CREATE TABLE IF NOT EXISTS {{ state }}.erasure_request (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    contact_ids text NULL,
    emails text NULL,
    requested_by text NOT NULL,
    requested_at {{ timestamp_utc }} NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
    counts text NULL,
    dag_id text NULL,
    run_id text NULL,
    finished_at {{ timestamp_utc }} NULL,
    purged_at {{ timestamp_utc }} NULL
);

-- The retention finds unpurged requests by age.
CREATE INDEX IF NOT EXISTS {{ state_index }}erasure_request_requested_idx ON {{ state_ref }}erasure_request (requested_at);
