-- Which tenant uses which CleverReach account (the account id seen through debug/whoami). Two tenants
-- must never work on one account: a second tenant that resolves to a recorded account is refused.
CREATE TABLE IF NOT EXISTS cleverreach_tenant_account (
    account_id text PRIMARY KEY,
    tenant_id text NOT NULL,
    conn_id text,
    first_seen timestamp NOT NULL
);
