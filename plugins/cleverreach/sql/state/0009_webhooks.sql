-- CleverReach receiver webhooks (cleverreach.webhooks): an unsubscribe reaches the CRM when it happens, not only with
-- the daily mail history (which stays the reconciliation: delivery guarantees of the webhooks are unknown).
--
-- One registration per tenant, list and event: the URL CleverReach calls, the `verify` value of ours that its
-- verification GET must be answered with, and the SHA-256 (hex) of the call token CleverReach sends with every
-- event (never the token itself). `api_path` is the eventhook path that answered the registration
-- ('hooks/eventhook' or 'v3/hooks/eventhook').
--   hook_status  pending (stored before the registration call: its verification GET is answered), active, removed
CREATE TABLE IF NOT EXISTS {{ state }}.webhook_registration (
    id {{ identity_pk }},
    tenant_id text NOT NULL,
    list_id text NOT NULL,
    group_id text NOT NULL,
    event text NOT NULL,
    url text NOT NULL,
    verify text NOT NULL,
    call_token_sha256 text NULL,
    api_path text NULL,
    hook_status text NOT NULL CHECK (hook_status IN ('pending', 'active', 'removed')),
    registered_at {{ timestamp_utc }} NULL,
    changed_at {{ timestamp_utc }} NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS {{ state_index }}webhook_registration_key_idx
    ON {{ state_ref }}webhook_registration (tenant_id, list_id, event);

-- Each accepted event once (an idempotent record: a replay finds its key and changes nothing), with what became of
-- it. No e-mail address and no body: the receiver's id in CleverReach only (sync_owned_receiver maps it).
--   event_key  SHA-256 of registration, event, group, receiver and the body's time (else the day received)
--   outcome    applied, not_ours, unknown_group, already, kept, ignored, failed
CREATE TABLE IF NOT EXISTS {{ state }}.webhook_event (
    id {{ identity_pk }},
    event_key text NOT NULL,
    registration_id integer NOT NULL REFERENCES {{ state_ref }}webhook_registration (id),
    tenant_id text NOT NULL,
    list_id text NOT NULL,
    event text NOT NULL,
    group_id text NULL,
    receiver_id text NULL,
    received_at {{ timestamp_utc }} NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('applied', 'not_ours', 'unknown_group', 'already', 'kept', 'ignored',
                                             'failed')),
    applied_at {{ timestamp_utc }} NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS {{ state_index }}webhook_event_key_idx ON {{ state_ref }}webhook_event (event_key);
CREATE INDEX IF NOT EXISTS {{ state_index }}webhook_event_received_idx ON {{ state_ref }}webhook_event (received_at);

-- An event names the receiver by its id: find the owned receiver without reading the list's whole record.
CREATE INDEX IF NOT EXISTS {{ state_index }}sync_owned_receiver_receiver_idx
    ON {{ state_ref }}sync_owned_receiver (list_id, receiver_id);
