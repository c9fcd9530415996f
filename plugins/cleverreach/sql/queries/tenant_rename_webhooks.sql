-- A rename: the registrations are the new id's; CleverReach keeps calling the URL it was given (the old id in its
-- path: route_tenant_id), until the webhooks DAG registers the list anew.
UPDATE {{ state }}.webhook_registration
SET route_tenant_id = COALESCE(route_tenant_id, tenant_id), tenant_id = :new_tenant_id
WHERE tenant_id = :tenant_id;
