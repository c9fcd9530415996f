UPDATE {{ state }}.mail_history_mailing SET tenant_id = :new_tenant_id WHERE tenant_id = :tenant_id;
