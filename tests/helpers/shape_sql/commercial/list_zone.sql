SELECT o.time_zone FROM marketing_list l JOIN organization o ON o.organization_id = l.organization_id
WHERE l.list_id = :list_id;
