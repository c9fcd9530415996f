-- A list's name and short description per language, pivoted from the CRM's generic translation table
-- (one row per field and language).
SELECT sprache AS language,
       MAX(CASE WHEN feld = 'bezeichnung' THEN inhalt END) AS name,
       MAX(CASE WHEN feld = 'kurzbeschreibung' THEN inhalt END) AS short_description,
       MAX(geaendert_am) AS changed_at,
       MAX(geaendert_von) AS changed_by
FROM uebersetzung
WHERE tabelle = 'verteiler' AND datensatz_id = :list_id
GROUP BY sprache
ORDER BY sprache;
