-- How many private rows each table holds for one tenant (the rename's check that OLD and NEW do not mix).
SELECT 'sync_run' AS table_name, COUNT(*) AS n FROM {{ state }}.sync_run WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'mail_history_mailing', COUNT(*) FROM {{ state }}.mail_history_mailing WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'cleverreach_tenant_account', COUNT(*) FROM {{ state }}.cleverreach_tenant_account WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'audit_event', COUNT(*) FROM {{ state }}.audit_event WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'cleverreach_tenant_grant', COUNT(*) FROM {{ state }}.cleverreach_tenant_grant WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'cleverreach_login_check', COUNT(*) FROM {{ state }}.cleverreach_login_check WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'sync_approval', COUNT(*) FROM {{ state }}.sync_approval WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'erasure_request', COUNT(*) FROM {{ state }}.erasure_request WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'webhook_registration', COUNT(*) FROM {{ state }}.webhook_registration WHERE tenant_id = :tenant_id
UNION ALL
SELECT 'webhook_event', COUNT(*) FROM {{ state }}.webhook_event WHERE tenant_id = :tenant_id;
