-- sync_change_run_idx (run_id) repeats the leading column of sync_change_run_email_idx (run_id, email): every
-- statement that finds a run's changes by run_id alone (its counts, its page, the approval's removals, the
-- housekeeping's delete, the foreign key's check) is served by the wider index as well. The narrower one only
-- cost a third index entry per stored change (a million per run of a million-member first sync) and, with stale
-- statistics, misled PostgreSQL into reading a whole run's rows for a batch's thousand e-mails.
DROP INDEX IF EXISTS {{ state_index }}sync_change_run_idx;
