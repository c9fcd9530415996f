INSERT INTO sync_change (run_id, list_id, contact_person_id, email, action, reason, old_value, new_value, result, error)
VALUES (:run_id, :list_id, :contact_person_id, :email, :action, :reason, :old_value, :new_value, :result, :error);
