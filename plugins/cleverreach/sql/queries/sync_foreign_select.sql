-- The contacts whose keys receivers not owned by this sync carry as ext_id (state/0013).
SELECT contact_person_id FROM {{ state }}.sync_foreign_ext_id WHERE list_id = :list_id;
