UPDATE contact SET last_name = :last_name, modified_on = :now_local WHERE contact_id = :id;
