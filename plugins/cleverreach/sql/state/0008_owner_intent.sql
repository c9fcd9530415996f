-- Ownership intents (issue 18): before a write that creates or adopts a receiver, the sync records which
-- receiver it is about to own, in its own committed transaction; once the batch's ownership is saved the
-- intents go. An intent left by a run that died in between is resolved by the list's next run against the
-- group: a receiver at that address whose ext_id is the intent's contact key becomes owned, else the intent
-- is dropped (cleverreach.sync.intents). Without it such a receiver would belong to nobody: never removed.
--   origin  what the ownership row will say: 'created' (insert) or 'adopted' (an update that adopts)
CREATE TABLE IF NOT EXISTS {{ state }}.sync_owner_intent (
    list_id text NOT NULL,
    group_id text NOT NULL,
    email_key text NOT NULL,
    contact_person_id text NOT NULL,
    origin text NOT NULL CHECK (origin IN ('created', 'adopted')),
    sync_run_id integer NOT NULL,
    created_at {{ timestamp_utc }} NOT NULL,
    PRIMARY KEY (list_id, email_key)
);
