SELECT tenant_id, checked_at, ok, message, checked_by FROM {{ state }}.cleverreach_login_check ORDER BY tenant_id;
