UPDATE contact_person SET no_marketing = true, changed_at = :now WHERE id = :id;
