CREATE TEMPORARY TABLE contact_history_staging (
    tenant_id text, contact_person_id integer, occurred_at timestamp, kind text,
    subject text, detail text, source text, external_key text
) ON COMMIT DROP;
