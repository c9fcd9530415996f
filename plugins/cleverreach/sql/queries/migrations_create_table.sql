-- The record of applied migrations (cleverreach.crm.migrations.MIGRATION_TABLE); version is
-- "<folder>/<NNNN>", name the file's stem.
CREATE TABLE IF NOT EXISTS {{ state }}.cleverreach_schema_migration (
    version text PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamp NOT NULL
);
