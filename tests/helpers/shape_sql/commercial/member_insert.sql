INSERT INTO marketing_list_member (list_id, contact_id, added_on, sync_status)
VALUES (:list_id, :contact_id, :now_local, :state);
