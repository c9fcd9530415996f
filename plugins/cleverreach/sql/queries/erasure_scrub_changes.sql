-- The stored plans keep their counts and actions, but no longer who: address, values and errors go.
-- Matched by contact key and by every stored spelling of the erased addresses (found by their key in code).
UPDATE {{ state }}.sync_change
SET email = NULL, contact_person_id = NULL, old_value = NULL, new_value = NULL, error = NULL,
    reason = 'erased on request'
WHERE list_id IN :list_ids AND (contact_person_id IN :contact_ids OR email IN :emails);
