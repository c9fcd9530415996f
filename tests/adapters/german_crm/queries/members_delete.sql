-- Remove persons from a list; the next sync removes them from the CleverReach group.
DELETE FROM verteiler_mitglied
WHERE verteiler_id = :list_id AND ansprechpartner_id IN :contact_ids;
