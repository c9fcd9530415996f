INSERT INTO address_tag (address_id, tag) VALUES (:address_id, :tag);
