-- Move a list's watermark forward, never back (a backfill with an old `since` must not rewind it).
INSERT INTO {{ state }}.mail_history_watermark (list_id, finished_until, updated_at)
VALUES (:list_id, :finished_until, :now)
ON CONFLICT (list_id) DO UPDATE
SET finished_until = CASE
        WHEN excluded.finished_until > mail_history_watermark.finished_until THEN excluded.finished_until
        ELSE mail_history_watermark.finished_until
    END,
    updated_at = excluded.updated_at;
