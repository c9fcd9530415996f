-- The CRM's activities (phone calls, tasks, and the e-mail events a connector reports), with its own activity
-- types. Rows a connector writes carry their channel and an external reference; the unique key
-- (organization_id, channel, external_reference) makes a repeated load add nothing (rows typed in by hand
-- have no reference, and NULLs never collide). "actual_end" is the local time of the organisation.
CREATE TABLE IF NOT EXISTS activity_type (
    activity_type text PRIMARY KEY,
    category text NOT NULL
);

INSERT INTO activity_type (activity_type, category) VALUES
    ('Phone Call', 'Sales'),
    ('Task', 'Sales'),
    ('Email Sent', 'Marketing'),
    ('Email Opened', 'Marketing'),
    ('Email Link Clicked', 'Marketing'),
    ('Email Bounced', 'Marketing'),
    ('Opt-Out', 'Marketing')
ON CONFLICT (activity_type) DO NOTHING;

CREATE TABLE IF NOT EXISTS activity (
    activity_id integer PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organization (organization_id),
    regarding_contact_id text NOT NULL REFERENCES contact (contact_id),
    actual_end timestamp NOT NULL,
    activity_type text NOT NULL REFERENCES activity_type (activity_type),
    subject text NULL,
    description text NULL,
    channel text NOT NULL DEFAULT 'CRM',
    external_reference text NULL,
    created_by text NULL,
    UNIQUE (organization_id, channel, external_reference)
);

CREATE INDEX IF NOT EXISTS activity_contact_idx ON activity (regarding_contact_id, actual_end);
