-- How many activities the integration wrote for the organisation (cleverreach_check_crm reports it).
SELECT count(*) AS n FROM activity WHERE organization_id = :tenant_id AND channel = 'CleverReach Connector';
