-- A rename: the approvals of the tenant's blocked plans are the new id's (an unused one stays usable by its run).
UPDATE {{ state }}.sync_approval SET tenant_id = :new_tenant_id WHERE tenant_id = :tenant_id;
