-- Distribution lists ("Verteiler"): the CRM uses them for letters and events too; a list mirrored to
-- CleverReach is one with a CleverReach group id. Members carry their state in German words. Names and
-- descriptions in other languages live in the CRM's generic translation table (one row per table, record,
-- field and language).
CREATE TABLE IF NOT EXISTS verteiler (
    verteiler_id {{ identity_pk }},
    mandant_nr text NOT NULL REFERENCES mandant_stamm (mandant_nr),
    bezeichnung text NOT NULL,
    kurzbeschreibung text NULL,
    cr_gruppen_id text NULL,
    cr_anzahl integer NULL,
    cr_geloescht_am timestamp NULL,
    importiert_am timestamp NULL,
    angelegt_am timestamp NOT NULL,
    angelegt_von text NULL,
    geaendert_am timestamp NULL,
    geaendert_von text NULL,
    UNIQUE (mandant_nr, cr_gruppen_id)
);

CREATE TABLE IF NOT EXISTS verteiler_mitglied (
    verteiler_id integer NOT NULL REFERENCES verteiler (verteiler_id),
    ansprechpartner_id integer NOT NULL REFERENCES ansprechpartner (ansprechpartner_id),
    aufgenommen_am timestamp NOT NULL,
    aufgenommen_von text NULL,
    status text NOT NULL DEFAULT 'offen'
        CHECK (status IN ('offen', 'synchronisiert', 'unbestätigt', 'abgelehnt', 'abgemeldet', 'unzustellbar')),
    abgeglichen_am timestamp NULL,
    fehlertext text NULL,
    PRIMARY KEY (verteiler_id, ansprechpartner_id)
);

CREATE INDEX IF NOT EXISTS verteiler_mitglied_person_idx ON verteiler_mitglied (ansprechpartner_id);
CREATE INDEX IF NOT EXISTS verteiler_mitglied_status_idx ON verteiler_mitglied (verteiler_id, status, ansprechpartner_id);

CREATE TABLE IF NOT EXISTS uebersetzung (
    tabelle text NOT NULL,
    datensatz_id integer NOT NULL,
    feld text NOT NULL,
    sprache text NOT NULL,
    inhalt text NULL,
    geaendert_am timestamp NOT NULL,
    geaendert_von text NULL,
    PRIMARY KEY (tabelle, datensatz_id, feld, sprache)
);
