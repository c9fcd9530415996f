-- What the run read: the whole group ('full') or only the changes ('changes'), with why (cleverreach.sync.scope).
UPDATE {{ state }}.sync_run SET scope = :scope WHERE id = :id;
