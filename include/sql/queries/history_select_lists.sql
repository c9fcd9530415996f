SELECT id, external_id FROM recipient_list WHERE tenant_id = :tenant_id;
