DELETE FROM {{ state }}.cleverreach_login_check WHERE tenant_id = :tenant_id;
