COPY contact_history_staging (tenant_id, contact_person_id, occurred_at, kind, subject, detail, source, external_key)
FROM STDIN WITH (FORMAT csv);
