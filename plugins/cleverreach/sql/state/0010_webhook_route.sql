-- A tenant rename keeps its webhooks working (cleverreach.tenants): CleverReach goes on calling the URL it was
-- given, with the old tenant id in its path, while the registration and its events become the new id's.
--   route_tenant_id  the tenant id in the registered URL's path when it is not tenant_id (after a rename), else NULL
ALTER TABLE {{ state }}.webhook_registration ADD COLUMN route_tenant_id text NULL;
