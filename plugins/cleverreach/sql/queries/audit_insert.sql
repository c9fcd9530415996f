-- One event of the audit trail (append-only: nothing updates or deletes these rows).
INSERT INTO {{ state }}.audit_event (occurred_at, tenant_id, list_id, actor, action, detail, dag_id, run_id)
VALUES (:occurred_at, :tenant_id, :list_id, :actor, :action, :detail, :dag_id, :run_id);
