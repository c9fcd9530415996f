-- An unsubscribe or bounce seen in a report: the member's state on the mailing's lists, so the next
-- sync respects it. An unsubscribe outranks a bounce; neither is downgraded here.
UPDATE recipient_list_member
SET sync_state = :sync_state, sync_error = :reason
WHERE list_id = :list_id
  AND contact_person_id = :contact_person_id
  AND sync_state <> 'unsubscribed'
  AND sync_state <> :sync_state;
