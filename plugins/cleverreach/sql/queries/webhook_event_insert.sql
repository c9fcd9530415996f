-- Record an event once: a replay (same key) inserts nothing, so the caller knows not to apply it again.
INSERT INTO {{ state }}.webhook_event (event_key, registration_id, tenant_id, list_id, event, group_id, receiver_id,
                                       received_at, outcome, applied_at)
VALUES (:event_key, :registration_id, :tenant_id, :list_id, :event, :group_id, :receiver_id, :received_at, :outcome,
        :applied_at)
ON CONFLICT (event_key) DO NOTHING;
