-- The CRM's own consent and change marks on a contact person (GDPR): "no marketing" (the person objected
-- to advertising), the time it was deleted or anonymised (the row stays, its data is gone), and the time
-- its data last changed. The sync removes a contact with either mark from every group of its tenant, and
-- a member whose contact changed after its last sync shows as pending.
-- An existing demo CRM gets the columns once (create_crm_tables skips an ADD COLUMN whose column exists).
ALTER TABLE contact_person ADD COLUMN no_marketing boolean NOT NULL DEFAULT false;
ALTER TABLE contact_person ADD COLUMN deleted_at {{ timestamp_utc }} NULL;
ALTER TABLE contact_person ADD COLUMN changed_at {{ timestamp_utc }} NULL;
