-- One contact of the organisation with its primary e-mail and its account's name.
SELECT c.contact_id AS id, c.salutation, c.first_name, c.last_name, c.job_title AS function,
       c.email_address1 AS email, a.name AS address_name
FROM contact c
LEFT JOIN account a ON a.account_id = c.parent_account_id
WHERE c.contact_id = :contact_id AND c.organization_id = :tenant_id;
