-- The recorded outcome of an event, by its key (a replay answers with it).
SELECT outcome, received_at, applied_at FROM {{ state }}.webhook_event WHERE event_key = :event_key;
