-- The erased persons' keys as other receivers' ext_ids found them (state/0013).
DELETE FROM {{ state }}.sync_foreign_ext_id WHERE list_id IN :list_ids AND contact_person_id IN :contact_ids;
