-- Which receivers of a list's group the sync created or adopted. Global attribute values are
-- account-wide in CleverReach, so an ext_id on a receiver does not prove that this integration put it
-- into this group: only receivers recorded here are ever updated, deactivated or removed.
--   email_key        the address as compared (lower case, domain in its ASCII/punycode form)
--   receiver_id      CleverReach's id; NULL for rows seeded by this migration, filled in by e-mail
--                    on the list's next sync
--   our_deactivated  the receiver's `deactivated` stamp when the sync deactivated it (its own removal),
--                    0 = deactivated by the sync, stamp read on the next sync; NULL = not by the sync
CREATE TABLE IF NOT EXISTS sync_owned_receiver (
    list_id integer NOT NULL,
    group_id text NOT NULL,
    email_key text NOT NULL,
    receiver_id text NULL,
    contact_person_id integer NULL,
    origin text NOT NULL CHECK (origin IN ('created', 'adopted')),
    since timestamp NOT NULL,
    our_deactivated integer NULL,
    PRIMARY KEY (list_id, email_key)
);

-- Upgrade: deployments that synced before this table existed keep track of what they own. Seeded
-- from the last successful change per list and address (an add or update; a deactivation as ours;
-- a deleted receiver is not seeded) and from the members in state synced.
INSERT INTO sync_owned_receiver (list_id, group_id, email_key, receiver_id, contact_person_id, origin, since,
                                 our_deactivated)
SELECT s.list_id, l.external_id, s.email_key, NULL, max(s.contact_person_id),
       CASE WHEN max(s.created) = 1 THEN 'created' ELSE 'adopted' END,
       CURRENT_TIMESTAMP,
       CASE WHEN min(s.deactivated) = 1 THEN 0 ELSE NULL END
FROM (
    SELECT last.list_id, last.email_key, last.contact_person_id,
           CASE WHEN EXISTS (SELECT 1 FROM sync_change a
                             WHERE a.list_id = last.list_id AND a.action = 'add' AND a.result = 'ok'
                               AND lower(trim(a.email)) = last.email_key) THEN 1 ELSE 0 END AS created,
           CASE WHEN last.action = 'deactivate' THEN 1 ELSE 0 END AS deactivated
    FROM (
        SELECT c.list_id, lower(trim(c.email)) AS email_key, c.contact_person_id, c.action,
               ROW_NUMBER() OVER (PARTITION BY c.list_id, lower(trim(c.email)) ORDER BY c.id DESC) AS rn
        FROM sync_change c
        WHERE c.result = 'ok' AND c.list_id IS NOT NULL AND c.email IS NOT NULL
          AND c.action IN ('add', 'update', 'remove', 'deactivate')
    ) last
    WHERE last.rn = 1 AND last.action IN ('add', 'update', 'deactivate')
    UNION ALL
    SELECT m.list_id, lower(trim(cp.email)), m.contact_person_id, 0, 0
    FROM recipient_list_member m
    JOIN contact_person cp ON cp.id = m.contact_person_id
    WHERE m.sync_state = 'synced' AND cp.email IS NOT NULL AND trim(cp.email) <> ''
) s
JOIN recipient_list l ON l.id = s.list_id
WHERE NOT EXISTS (SELECT 1 FROM sync_owned_receiver o WHERE o.list_id = s.list_id AND o.email_key = s.email_key)
GROUP BY s.list_id, l.external_id, s.email_key;
