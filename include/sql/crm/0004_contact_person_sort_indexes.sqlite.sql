-- The members page's person, function and e-mail orders walk the CRM's contact_person per tenant
-- (cleverreach.ui.keyset; SQLite sorts NULL first, as the page does).
CREATE INDEX IF NOT EXISTS contact_person_sort_name_idx ON contact_person (tenant_id, last_name, first_name, id);
CREATE INDEX IF NOT EXISTS contact_person_sort_function_idx ON contact_person (tenant_id, function, id);
CREATE INDEX IF NOT EXISTS contact_person_sort_email_idx ON contact_person (tenant_id, email, id);
