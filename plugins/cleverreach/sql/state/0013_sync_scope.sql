-- Changes-only syncs (issue 22, part 5). A run records whether it read the whole group (a full reconciliation)
-- or only the receivers of the contacts that changed since the last run (cleverreach.sync.scope); NULL for runs
-- before this migration, which were all full. The contacts that receivers this sync does not own name by their
-- ext_id, as the last full reconciliation found them: a changes-only run reads the whole group again for such a
-- contact, whose unsubscribe under another address may hold for it (sync.diff, "an unsubscribe holds for the
-- person").
ALTER TABLE {{ state }}.sync_run ADD COLUMN scope text NULL;

CREATE TABLE IF NOT EXISTS {{ state }}.sync_foreign_ext_id (
    list_id text NOT NULL,
    contact_person_id text NOT NULL,
    PRIMARY KEY (list_id, contact_person_id)
);
