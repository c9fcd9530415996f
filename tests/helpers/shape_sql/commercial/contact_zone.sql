SELECT o.time_zone FROM contact c JOIN organization o ON o.organization_id = c.organization_id
WHERE c.contact_id = :id;
