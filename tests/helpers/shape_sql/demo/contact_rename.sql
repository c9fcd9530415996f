UPDATE contact_person SET last_name = :last_name, changed_at = :now WHERE id = :id;
