DELETE FROM uebersetzung WHERE tabelle = 'verteiler' AND datensatz_id = :list_id AND sprache = :language;
