-- How far the mail-history load has come per recipient list: the latest `finished` time (unix
-- seconds) of the mailings read while the list existed. Per list, not per tenant, so that a list
-- imported later starts from the beginning instead of behind its tenant's other lists. It only
-- moves forward, and only after the rows are committed.
CREATE TABLE IF NOT EXISTS mail_history_watermark (
    list_id integer PRIMARY KEY REFERENCES recipient_list (id),
    finished_until integer NOT NULL,
    updated_at timestamp NOT NULL
);
