-- A CRM shaped like a common commercial one (a worked example of a CRM adapter, see ../README.md): the
-- organisations are the tenants. Their ids are numeric-looking text ("1001", "0042": the leading zero is part
-- of the id). Every timestamp of this CRM is a local time without zone, in the organisation's time zone
-- (an IANA name). The SQLite edition of the CRM has no zone database: it keeps the organisation's current
-- offset from UTC in minutes beside the zone, and updates it when the zone's offset changes.
CREATE TABLE IF NOT EXISTS organization (
    organization_id text PRIMARY KEY,
    name text NOT NULL,
    cleverreach_connection text NULL,
    is_disabled boolean NOT NULL DEFAULT false,
    time_zone text NOT NULL DEFAULT 'Europe/Berlin',
    utc_offset_minutes integer NOT NULL DEFAULT 60,
    created_on timestamp NULL
);
