-- The tenant's latest login check from the page (one row per tenant, replaced by each check).
INSERT INTO {{ state }}.cleverreach_login_check (tenant_id, checked_at, ok, message, checked_by)
VALUES (:tenant_id, :now, :ok, :message, :actor)
ON CONFLICT (tenant_id) DO UPDATE
SET checked_at = excluded.checked_at, ok = excluded.ok, message = excluded.message, checked_by = excluded.checked_by;
