-- How many history rows the tenant has (cleverreach_check_crm reports it; no row is read).
SELECT count(*) AS n FROM contact_history WHERE tenant_id = :tenant_id;
