-- Webhook events past retention (cleverreach.webhooks): their record keeps a replay from being applied twice,
-- which matters for days, not months; a replay after this is applied again, harmlessly (its changes are idempotent).
DELETE FROM {{ state }}.webhook_event WHERE received_at < :cutoff;
