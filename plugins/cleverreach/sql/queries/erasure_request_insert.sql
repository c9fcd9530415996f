INSERT INTO {{ state }}.erasure_request (id, tenant_id, contact_ids, emails, requested_by, requested_at, status)
VALUES (:id, :tenant_id, :contact_ids, :emails, :requested_by, :now, 'pending');
