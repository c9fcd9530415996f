-- A move: the old account's mailings are not the new one's.
DELETE FROM {{ state }}.mail_history_mailing WHERE tenant_id = :tenant_id;
