-- Two e-mail columns: the primary one (the marketing address) and a secondary one; times are local.
INSERT INTO contact (contact_id, organization_id, parent_account_id, salutation, first_name, last_name, job_title,
                     email_address1, email_address2, created_on, modified_on)
VALUES (:id, :tenant_id, :address_id, :salutation, :first_name, :last_name, :function, :email, :email2,
        :now_local, :now_local);
