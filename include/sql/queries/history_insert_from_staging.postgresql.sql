INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, subject, detail, source, external_key)
SELECT tenant_id, contact_person_id, occurred_at, kind, subject, detail, source, external_key
FROM contact_history_staging
ON CONFLICT (tenant_id, source, external_key) DO NOTHING;
