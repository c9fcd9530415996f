-- Forget refusals (the member was written, or is refused again and re-recorded); expanding id list.
DELETE FROM {{ state }}.sync_refusal
WHERE list_id = :list_id AND contact_person_id IN :contact_ids;
