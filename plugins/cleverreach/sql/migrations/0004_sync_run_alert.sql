-- Why a run looks wrong (rejected share, removal count far above the list's recent runs), or NULL.
ALTER TABLE sync_run ADD COLUMN alert text NULL;
