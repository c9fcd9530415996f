-- A marketing list of the CRM's own campaigns (no CleverReach group id): never the integration's.
INSERT INTO marketing_list (organization_id, list_name, created_on, created_by)
VALUES (:tenant_id, :name, :now_local, 'crm');
