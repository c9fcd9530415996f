-- OLD's last login check becomes NEW's, unless NEW has a newer one.
INSERT INTO {{ state }}.cleverreach_login_check AS checked (tenant_id, checked_at, ok, message, checked_by)
SELECT :new_tenant_id, checked_at, ok, message, checked_by
FROM {{ state }}.cleverreach_login_check
WHERE tenant_id = :tenant_id
ON CONFLICT (tenant_id) DO UPDATE
SET checked_at = excluded.checked_at, ok = excluded.ok, message = excluded.message, checked_by = excluded.checked_by
WHERE excluded.checked_at > checked.checked_at;
