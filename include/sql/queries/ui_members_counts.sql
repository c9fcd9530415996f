-- Members of a list per sync_state (an index-only scan of recipient_list_member_state_idx).
SELECT sync_state, count(*) AS n FROM recipient_list_member WHERE list_id = :list_id GROUP BY sync_state;
