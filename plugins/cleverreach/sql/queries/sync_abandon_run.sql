UPDATE {{ state }}.sync_run
SET status = 'abandoned', finished_at = :now, message = :message
WHERE id = :id AND status = 'running';
