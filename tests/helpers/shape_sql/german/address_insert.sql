-- The category is looked up by its name in the tenant's categories (category_insert adds it first).
INSERT INTO adresse (adress_nr, mandant_nr, name1, suchbegriff, ort, kategorie_id)
VALUES (:id, :tenant_id, :name, :matchcode, :city,
        (SELECT kategorie_id FROM adresskategorie WHERE mandant_nr = :tenant_id AND bezeichnung = :category));
