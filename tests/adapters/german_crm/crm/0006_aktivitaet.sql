-- The CRM's activity log ("Aktivitäten": calls, meetings, notes, and the mails CleverReach reports), with
-- its own kinds from a lookup table. Rows written by an interface carry their source and an external key;
-- the unique key (mandant_nr, quelle, fremdschluessel) makes a repeated load add nothing (rows typed in by
-- hand have no external key, and NULLs never collide).
CREATE TABLE IF NOT EXISTS aktivitaetsart (
    art text PRIMARY KEY,
    gruppe text NOT NULL
);

INSERT INTO aktivitaetsart (art, gruppe) VALUES
    ('Telefonat', 'Kontakt'),
    ('Termin', 'Kontakt'),
    ('Notiz', 'Kontakt'),
    ('Mail versendet', 'Newsletter'),
    ('Mail geöffnet', 'Newsletter'),
    ('Link geklickt', 'Newsletter'),
    ('Mail unzustellbar', 'Newsletter'),
    ('Newsletter abgemeldet', 'Newsletter')
ON CONFLICT (art) DO NOTHING;

CREATE TABLE IF NOT EXISTS aktivitaet (
    aktivitaet_id {{ identity_pk }},
    mandant_nr text NOT NULL REFERENCES mandant_stamm (mandant_nr),
    ansprechpartner_id integer NOT NULL REFERENCES ansprechpartner (ansprechpartner_id),
    zeitpunkt timestamp NOT NULL,
    art text NOT NULL REFERENCES aktivitaetsart (art),
    betreff text NULL,
    notiz text NULL,
    quelle text NOT NULL DEFAULT 'CRM',
    fremdschluessel text NULL,
    erfasst_von text NULL,
    UNIQUE (mandant_nr, quelle, fremdschluessel)
);

CREATE INDEX IF NOT EXISTS aktivitaet_person_idx ON aktivitaet (ansprechpartner_id, zeitpunkt);
