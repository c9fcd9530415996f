UPDATE marketing_list SET cleverreach_member_count = :remote_member_count WHERE list_id = :list_id;
