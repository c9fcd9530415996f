INSERT INTO address (id, tenant_id, name, matchcode, city, category)
VALUES (:id, :tenant_id, :name, :matchcode, :city, :category);
