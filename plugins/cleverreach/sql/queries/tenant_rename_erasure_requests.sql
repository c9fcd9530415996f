-- A rename: the tenant's erasure requests are the new id's (a pending one is still carried out, under the new id).
UPDATE {{ state }}.erasure_request SET tenant_id = :new_tenant_id WHERE tenant_id = :tenant_id;
