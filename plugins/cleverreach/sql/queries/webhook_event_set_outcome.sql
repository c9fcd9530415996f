-- A failed event tried again (CleverReach's retry, or a replay of it): its new outcome.
UPDATE {{ state }}.webhook_event
SET outcome = :outcome, applied_at = :applied_at
WHERE event_key = :event_key AND outcome = 'failed';
