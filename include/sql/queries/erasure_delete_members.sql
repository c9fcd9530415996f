-- The erased persons leave every list of the tenant.
DELETE FROM recipient_list_member
WHERE contact_person_id IN :contact_ids
  AND list_id IN (SELECT id FROM recipient_list WHERE tenant_id = :tenant_id);
