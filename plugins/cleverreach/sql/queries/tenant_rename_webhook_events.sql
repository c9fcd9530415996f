-- A rename: the recorded webhook events are the new id's.
UPDATE {{ state }}.webhook_event SET tenant_id = :new_tenant_id WHERE tenant_id = :tenant_id;
