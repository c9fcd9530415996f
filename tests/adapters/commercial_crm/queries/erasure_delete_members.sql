-- The erased contacts leave every list of the organisation.
DELETE FROM marketing_list_member
WHERE contact_id IN :contact_ids
  AND list_id IN (SELECT list_id FROM marketing_list WHERE organization_id = :tenant_id);
