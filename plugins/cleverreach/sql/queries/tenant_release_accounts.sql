-- A move: the tenant lets go of its account(s); the next login check binds the one its connection logs into.
DELETE FROM {{ state }}.cleverreach_tenant_account WHERE tenant_id = :tenant_id;
