UPDATE {{ state }}.sync_run SET tenant_id = :new_tenant_id WHERE tenant_id = :tenant_id;
