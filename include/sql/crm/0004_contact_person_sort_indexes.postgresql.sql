-- The members page's person, function and e-mail orders walk the CRM's contact_person per tenant
-- (cleverreach.ui.keyset); NULLS FIRST gives SQLite's NULL order, so one index serves ascending (NULL
-- first) and, read backwards, descending (NULL last). A CRM with other names adds its own equivalents.
CREATE INDEX IF NOT EXISTS contact_person_sort_name_idx
    ON contact_person (tenant_id, last_name NULLS FIRST, first_name NULLS FIRST, id);
CREATE INDEX IF NOT EXISTS contact_person_sort_function_idx ON contact_person (tenant_id, function NULLS FIRST, id);
CREATE INDEX IF NOT EXISTS contact_person_sort_email_idx ON contact_person (tenant_id, email NULLS FIRST, id);
