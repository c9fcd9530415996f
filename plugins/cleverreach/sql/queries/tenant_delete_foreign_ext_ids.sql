-- A move: the contacts the old account's groups named by ext_id go with the ownership record.
DELETE FROM {{ state }}.sync_foreign_ext_id WHERE list_id IN :list_ids;
