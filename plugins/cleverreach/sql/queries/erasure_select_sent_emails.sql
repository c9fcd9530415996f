-- Every address the integration planned, sent or owns for these contacts (old addresses included).
SELECT DISTINCT email FROM {{ state }}.sync_change
WHERE list_id IN :list_ids AND contact_person_id IN :contact_ids AND email IS NOT NULL
UNION
SELECT DISTINCT email_key FROM {{ state }}.sync_owned_receiver
WHERE list_id IN :list_ids AND contact_person_id IN :contact_ids;
