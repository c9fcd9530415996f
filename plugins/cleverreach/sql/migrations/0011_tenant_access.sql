-- Which tenants a user may see and act on (granted on the CleverReach page or in SQL). A user with
-- no row here is not limited; a user with rows is limited to those tenants, on the page and in every
-- DAG run they trigger (the first task refuses any other tenant).
CREATE TABLE IF NOT EXISTS cleverreach_tenant_grant (
    username text NOT NULL,
    tenant_id text NOT NULL,
    granted_at timestamp NOT NULL,
    granted_by text,
    PRIMARY KEY (username, tenant_id)
);

-- The last CleverReach login check per tenant, from the page's "check login" button.
CREATE TABLE IF NOT EXISTS cleverreach_login_check (
    tenant_id text PRIMARY KEY,
    checked_at timestamp NOT NULL,
    ok boolean NOT NULL,
    message text,
    checked_by text
);
