-- Every address the integration planned or sent for these contacts (old addresses included).
SELECT DISTINCT email FROM sync_change
WHERE list_id IN :list_ids AND contact_person_id IN :contact_ids AND email IS NOT NULL;
