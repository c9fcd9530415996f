-- Contact persons of one tenant that the dialog's filters select, as far as SQL can decide them the
-- same way on every dialect. One static statement for every combination: each optional filter is
-- switched by a flag (by_...), id and value lists are expanding parameters, tags, categories and
-- sales_processes hold the tenant's exact stored spellings, and search is a LIKE pre-filter on the
-- lowered columns (a superset). The initial letter and the exact search are applied in Python
-- (cleverreach.members.selection.MemberSelection.accepts).
SELECT c.id AS contact_person_id, c.address_id, c.email, a.name, a.matchcode, a.city
FROM contact_person c
LEFT JOIN address a ON a.id = c.address_id AND a.tenant_id = c.tenant_id
WHERE c.tenant_id = :tenant_id
  AND (NOT :by_address OR a.id IS NOT NULL)
  AND (NOT :by_address_ids OR a.id IN :address_ids)
  AND (NOT :by_contact_ids OR c.id IN :contact_ids)
  AND (NOT :by_category OR a.category IN :categories)
  AND (NOT :by_tag OR EXISTS (
        SELECT 1 FROM address_tag t WHERE t.address_id = a.id AND t.tag IN :tags))
  AND (NOT :by_sales_process OR EXISTS (
        SELECT 1 FROM address_sales_process s WHERE s.address_id = a.id AND s.sales_process IN :sales_processes))
  AND (CAST(:search AS text) IS NULL
       OR lower(a.name) LIKE :search ESCAPE '\'
       OR lower(a.matchcode) LIKE :search ESCAPE '\'
       OR lower(a.city) LIKE :search ESCAPE '\')
ORDER BY c.id;
