SELECT regarding_contact_id AS contact_id, activity_type AS kind, subject, channel AS source,
       external_reference AS external_key
FROM activity WHERE organization_id = :tenant_id ORDER BY external_reference;
