-- How many activities the integration wrote for the tenant (cleverreach_check_crm reports it).
SELECT count(*) AS n FROM aktivitaet WHERE mandant_nr = :tenant_id AND quelle = 'CleverReach';
