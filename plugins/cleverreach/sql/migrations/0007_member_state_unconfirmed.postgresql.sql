-- sync_state 'unconfirmed': the receiver exists but waits for the double opt-in confirmation.
ALTER TABLE recipient_list_member DROP CONSTRAINT IF EXISTS recipient_list_member_sync_state_check;
ALTER TABLE recipient_list_member ADD CONSTRAINT recipient_list_member_sync_state_check
    CHECK (sync_state IN ('pending', 'synced', 'unconfirmed', 'rejected', 'unsubscribed', 'bounced'));
