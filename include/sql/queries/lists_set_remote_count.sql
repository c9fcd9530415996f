UPDATE recipient_list SET remote_member_count = :remote_member_count WHERE id = :list_id;
