-- The list's name and short description per language (the CRM's "Sprachen" tab), edited on the
-- CleverReach page. The list's own name and short_description stay the default language.
CREATE TABLE IF NOT EXISTS recipient_list_translation (
    list_id integer NOT NULL REFERENCES recipient_list (id),
    language text NOT NULL,
    name text NOT NULL,
    short_description text,
    changed_at timestamp NOT NULL,
    changed_by text,
    PRIMARY KEY (list_id, language)
);

-- The members page pages a list by state (filter and sort) without reading the whole list, even at a
-- million members: (list_id, sync_state, contact_person_id) serves the filter, the state sort and
-- the per-state counts; the primary key (list_id, contact_person_id) serves the default order.
CREATE INDEX IF NOT EXISTS recipient_list_member_state_idx ON recipient_list_member (list_id, sync_state, contact_person_id);

