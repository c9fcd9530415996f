-- Keys of any kind (issue 17): a CRM keys its contacts and lists by integers of any size, UUIDs or text, and
-- the integration treats a key as opaque text (cleverreach.crm.keys). Every list and contact key of the
-- private state becomes `text`; an integer already stored becomes its decimal text (41 -> '41'), the text
-- the integration writes for it now, so ownership, refusals, watermarks and history keys stay matched.
-- Indexes (the lease's partial unique index included) are rebuilt by PostgreSQL with their columns.

ALTER TABLE {{ state }}.sync_run
    ALTER COLUMN list_id TYPE text USING list_id::text;

ALTER TABLE {{ state }}.sync_change
    ALTER COLUMN list_id TYPE text USING list_id::text,
    ALTER COLUMN contact_person_id TYPE text USING contact_person_id::text;

ALTER TABLE {{ state }}.sync_owned_receiver
    ALTER COLUMN list_id TYPE text USING list_id::text,
    ALTER COLUMN contact_person_id TYPE text USING contact_person_id::text;

ALTER TABLE {{ state }}.sync_refusal
    ALTER COLUMN list_id TYPE text USING list_id::text,
    ALTER COLUMN contact_person_id TYPE text USING contact_person_id::text;

ALTER TABLE {{ state }}.mail_history_watermark
    ALTER COLUMN list_id TYPE text USING list_id::text;

ALTER TABLE {{ state }}.audit_event
    ALTER COLUMN list_id TYPE text USING list_id::text;
