-- A move: what the private state knows of the old account's groups goes. List ids are compared as text, the
-- integration's keys (cleverreach.crm.keys): a no-op cast where the column is text (state/0004).
DELETE FROM {{ state }}.mail_history_watermark WHERE CAST(list_id AS text) IN :list_ids;
