-- The demo CRM keeps one e-mail on the person; it has no place for further addresses.
INSERT INTO contact_person (id, tenant_id, address_id, salutation, first_name, last_name, function, email)
VALUES (:id, :tenant_id, :address_id, :salutation, :first_name, :last_name, :function, :email);
