-- The history watermark (finish time read up to, Unix seconds) of the given lists; a list without a row was never read.
SELECT list_id, finished_until
FROM {{ state }}.mail_history_watermark
WHERE list_id IN :list_ids;
