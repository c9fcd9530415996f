INSERT INTO account_tag (account_id, tag) VALUES (:address_id, :tag);
