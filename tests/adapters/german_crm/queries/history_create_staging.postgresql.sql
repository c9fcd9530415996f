-- The staging table of the COPY: its name and columns are the integration's (cleverreach.history.store),
-- not the CRM's; history_insert_from_staging maps them into the activity table.
CREATE TEMPORARY TABLE contact_history_staging (
    tenant_id text, contact_person_id integer, occurred_at timestamp, kind text,
    subject text, detail text, source text, external_key text
) ON COMMIT DROP;
