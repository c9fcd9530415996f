-- The one update of the audit trail: in the rename's transaction, OLD's events are re-keyed to NEW so that the
-- tenant's trail stays one trail (the page reads it by tenant id); the rename's own event records OLD.
UPDATE {{ state }}.audit_event SET tenant_id = :new_tenant_id WHERE tenant_id = :tenant_id;
