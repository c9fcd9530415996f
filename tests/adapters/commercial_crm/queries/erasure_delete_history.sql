-- The activities the integration wrote for the erased contacts; the CRM's own (calls, tasks) stay.
DELETE FROM activity
WHERE organization_id = :tenant_id AND channel = 'CleverReach Connector' AND regarding_contact_id IN :contact_ids;
