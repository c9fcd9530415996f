INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state)
VALUES (:list_id, :contact_id, :now, :state);
