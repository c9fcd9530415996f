-- Positional parameters (driver executemany). The unique key (tenant_id, source, external_key)
-- makes reruns and overlapping windows add nothing, without a read-then-write race.
INSERT INTO contact_history (tenant_id, contact_person_id, occurred_at, kind, subject, detail, source, external_key)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tenant_id, source, external_key) DO NOTHING;
