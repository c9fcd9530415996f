-- The staging table of the COPY: its name and columns are the integration's (cleverreach.history.store), not the
-- CRM's; the contact is the CRM's uuid, the time UTC. history_insert_from_staging maps them into activity.
CREATE TEMPORARY TABLE contact_history_staging (
    tenant_id text, contact_person_id uuid, occurred_at timestamptz, kind text,
    subject text, detail text, source text, external_key text
) ON COMMIT DROP;
