-- A list's name and short description in one language: two rows of the generic translation table.
INSERT INTO uebersetzung (tabelle, datensatz_id, feld, sprache, inhalt, geaendert_am, geaendert_von)
VALUES ('verteiler', :list_id, 'bezeichnung', :language, :name, :now, :actor),
       ('verteiler', :list_id, 'kurzbeschreibung', :language, :short_description, :now, :actor)
ON CONFLICT (tabelle, datensatz_id, feld, sprache) DO UPDATE
SET inhalt = excluded.inhalt, geaendert_am = excluded.geaendert_am, geaendert_von = excluded.geaendert_von;
