INSERT INTO account (account_id, organization_id, name, account_number, address1_city, relationship_type)
VALUES (:id, :tenant_id, :name, :matchcode, :city, :category);
