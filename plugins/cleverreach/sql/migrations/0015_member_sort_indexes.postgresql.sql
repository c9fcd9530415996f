-- The members page pages by keyset in every sort order (cleverreach.ui.keyset): each order needs an
-- index that ends in the contact id. recipient_list_member already has (list_id, contact_person_id)
-- and (list_id, sync_state, contact_person_id); "added" gets its own. The person, function and e-mail
-- orders walk the CRM's contact_person per tenant; NULLS FIRST gives SQLite's NULL order, so one index
-- serves ascending (NULL first) and, read backwards, descending (NULL last).
CREATE INDEX IF NOT EXISTS recipient_list_member_added_idx ON recipient_list_member (list_id, added_at, contact_person_id);
CREATE INDEX IF NOT EXISTS contact_person_sort_name_idx
    ON contact_person (tenant_id, last_name NULLS FIRST, first_name NULLS FIRST, id);
CREATE INDEX IF NOT EXISTS contact_person_sort_function_idx ON contact_person (tenant_id, function NULLS FIRST, id);
CREATE INDEX IF NOT EXISTS contact_person_sort_email_idx ON contact_person (tenant_id, email NULLS FIRST, id);
