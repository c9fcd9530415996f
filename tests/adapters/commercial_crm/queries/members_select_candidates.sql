-- Contacts of one organisation that the dialog's filters select (see the shipped adapter for the flags and the
-- LIKE pre-filter). The category is the account's relationship type, the tags its account_tag rows, the sales
-- processes its opportunities'; soft-deleted contacts are never offered.
SELECT c.contact_id AS contact_person_id,
       c.parent_account_id AS address_id,
       c.email_address1 AS email,
       a.name,
       a.account_number AS matchcode,
       a.address1_city AS city
FROM contact c
LEFT JOIN account a ON a.account_id = c.parent_account_id AND a.organization_id = c.organization_id
WHERE c.organization_id = :tenant_id
  AND c.deleted_on IS NULL
  AND (NOT :by_address OR a.account_id IS NOT NULL)
  AND (NOT :by_address_ids OR a.account_id IN :address_ids)
  AND (NOT :by_contact_ids OR c.contact_id IN :contact_ids)
  AND (NOT :by_category OR a.relationship_type IN :categories)
  AND (NOT :by_tag OR EXISTS (
        SELECT 1 FROM account_tag t WHERE t.account_id = a.account_id AND t.tag IN :tags))
  AND (NOT :by_sales_process OR EXISTS (
        SELECT 1 FROM opportunity v WHERE v.account_id = a.account_id AND v.sales_process IN :sales_processes))
  AND (CAST(:search AS text) IS NULL
       OR lower(a.name) LIKE :search ESCAPE '\'
       OR lower(a.account_number) LIKE :search ESCAPE '\'
       OR lower(a.address1_city) LIKE :search ESCAPE '\')
ORDER BY c.contact_id;
