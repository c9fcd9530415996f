UPDATE contact SET do_not_bulk_email = true, modified_on = :now_local WHERE contact_id = :id;
