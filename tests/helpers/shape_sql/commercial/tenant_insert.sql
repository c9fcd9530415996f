-- The SQLite edition keeps the zone's current offset beside the zone (the seeding computes it from the zone).
INSERT INTO organization (organization_id, name, cleverreach_connection, is_disabled, time_zone, utc_offset_minutes,
                          created_on)
VALUES (:id, :name, :cleverreach_conn_id, NOT :active, :time_zone, :utc_offset_minutes, :now_local);
