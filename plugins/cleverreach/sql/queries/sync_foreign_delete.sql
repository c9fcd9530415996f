-- A full reconciliation replaces what the last one found (state/0013).
DELETE FROM {{ state }}.sync_foreign_ext_id WHERE list_id = :list_id;
