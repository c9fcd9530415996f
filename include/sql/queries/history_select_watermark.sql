-- Every list of the tenant with its watermark (NULL = never loaded).
SELECT l.id AS list_id, l.external_id, w.finished_until
FROM recipient_list l
LEFT JOIN mail_history_watermark w ON w.list_id = l.id
WHERE l.tenant_id = :tenant_id
ORDER BY l.id;
