-- How many report receivers of a mailing's last read matched no contact. While there are such, the
-- re-read days read the mailing in full again: a contact created (or given that address) later still
-- gets its rows, `sent` included.
ALTER TABLE mail_history_mailing ADD COLUMN unmatched integer NOT NULL DEFAULT 0;
