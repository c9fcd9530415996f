-- The group is gone in CleverReach: mark the list, never delete it.
UPDATE verteiler
SET cr_geloescht_am = :now, geaendert_am = :now, geaendert_von = :actor
WHERE verteiler_id = :id AND cr_geloescht_am IS NULL;
