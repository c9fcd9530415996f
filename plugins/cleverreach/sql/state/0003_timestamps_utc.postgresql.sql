-- Stored timestamps are timezone-aware UTC (issue 11): every time column of the private state becomes
-- `timestamp with time zone`; the values it held were UTC without a zone (sessions run in UTC, see
-- cleverreach.hooks.crm), so `AT TIME ZONE 'UTC'` keeps each instant. SQLite keeps ISO text (see the .sqlite file).

ALTER TABLE {{ state }}.sync_run
    ALTER COLUMN started_at TYPE timestamp with time zone USING started_at AT TIME ZONE 'UTC',
    ALTER COLUMN finished_at TYPE timestamp with time zone USING finished_at AT TIME ZONE 'UTC',
    ALTER COLUMN heartbeat_at TYPE timestamp with time zone USING heartbeat_at AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.sync_owned_receiver
    ALTER COLUMN since TYPE timestamp with time zone USING since AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.sync_refusal
    ALTER COLUMN refused_at TYPE timestamp with time zone USING refused_at AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.mail_history_watermark
    ALTER COLUMN updated_at TYPE timestamp with time zone USING updated_at AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.mail_history_mailing
    ALTER COLUMN updated_at TYPE timestamp with time zone USING updated_at AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.cleverreach_tenant_grant
    ALTER COLUMN granted_at TYPE timestamp with time zone USING granted_at AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.cleverreach_login_check
    ALTER COLUMN checked_at TYPE timestamp with time zone USING checked_at AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.cleverreach_tenant_account
    ALTER COLUMN first_seen TYPE timestamp with time zone USING first_seen AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.audit_event
    ALTER COLUMN occurred_at TYPE timestamp with time zone USING occurred_at AT TIME ZONE 'UTC';

ALTER TABLE {{ state }}.cleverreach_schema_migration
    ALTER COLUMN applied_at TYPE timestamp with time zone USING applied_at AT TIME ZONE 'UTC';
