SELECT finished_until FROM mail_history_watermark WHERE tenant_id = :tenant_id;
