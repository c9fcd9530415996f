SELECT list_id AS id, cleverreach_group_id AS external_id, list_name AS name,
       cleverreach_member_count AS remote_member_count, cleverreach_deleted_on AS remote_deleted_at
FROM marketing_list WHERE organization_id = :tenant_id ORDER BY list_id;
