-- The members page pages by keyset in every sort order (cleverreach.ui.keyset): each order needs an
-- index that ends in the contact id. recipient_list_member already has (list_id, contact_person_id)
-- and (list_id, sync_state, contact_person_id); "added" gets its own. The person, function and e-mail
-- orders walk the CRM's contact_person per tenant (SQLite sorts NULL first, as the page does).
CREATE INDEX IF NOT EXISTS recipient_list_member_added_idx ON recipient_list_member (list_id, added_at, contact_person_id);
CREATE INDEX IF NOT EXISTS contact_person_sort_name_idx ON contact_person (tenant_id, last_name, first_name, id);
CREATE INDEX IF NOT EXISTS contact_person_sort_function_idx ON contact_person (tenant_id, function, id);
CREATE INDEX IF NOT EXISTS contact_person_sort_email_idx ON contact_person (tenant_id, email, id);
