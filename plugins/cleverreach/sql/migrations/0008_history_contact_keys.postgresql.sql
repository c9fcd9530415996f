-- Mail-history keys name the contact person instead of the receiver: a receiver's id changes when it
-- is deleted and added again, and one person can be a receiver in two of a mailing's groups. Old keys
-- `<mailing>/<receiver>/<kind>[/<link>]` become `<mailing>/c<contact>/<kind>[/<link>]` (see
-- cleverreach.history.events.history_key). Rows that now mean the same event are merged first: the
-- earliest one is kept. A key already in the new form maps to itself, so nothing is lost on a rerun.
CREATE TEMPORARY TABLE history_key_rewrite AS
SELECT id, tenant_id, occurred_at, external_key AS old_key,
       substr(external_key, 1, strpos(external_key, '/') - 1) || '/c' || CAST(contact_person_id AS text) || '/' || kind
       || CASE
              WHEN kind = 'mail_clicked' AND strpos(external_key, '/mail_clicked/') > 0
                  THEN '/' || substr(external_key, strpos(external_key, '/mail_clicked/') + length('/mail_clicked/'))
              ELSE ''
          END AS new_key
FROM contact_history
WHERE source = 'cleverreach' AND strpos(external_key, '/') > 0;

DELETE FROM contact_history
WHERE id IN (
    SELECT later.id
    FROM history_key_rewrite later
    JOIN history_key_rewrite earlier
      ON earlier.tenant_id = later.tenant_id
     AND earlier.new_key = later.new_key
     AND (earlier.occurred_at < later.occurred_at OR (earlier.occurred_at = later.occurred_at AND earlier.id < later.id))
);

UPDATE contact_history
SET external_key = (SELECT r.new_key FROM history_key_rewrite r WHERE r.id = contact_history.id)
WHERE id IN (SELECT id FROM history_key_rewrite WHERE new_key <> old_key);

DROP TABLE history_key_rewrite;
