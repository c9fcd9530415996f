-- Contact persons ("Ansprechpartner"). Their e-mail addresses live in a table of their own: a person may
-- have several, at most one of them primary (partial unique index); only the primary one is synced, and
-- a person without a primary address has no e-mail for the integration. The CRM's GDPR marks: the
-- person's "Werbesperre" (no marketing) and "geloescht_am" (deleted or anonymised: the row stays, its data
-- and e-mail rows are gone); "geaendert_am" is stamped by the CRM on every change of the person or of one
-- of its addresses.
CREATE TABLE IF NOT EXISTS ansprechpartner (
    ansprechpartner_id integer PRIMARY KEY,
    mandant_nr text NOT NULL REFERENCES mandant_stamm (mandant_nr),
    adress_nr integer NULL REFERENCES adresse (adress_nr),
    anrede text NULL,
    titel text NULL,
    vorname text NULL,
    nachname text NULL,
    position text NULL,
    werbesperre boolean NOT NULL DEFAULT false,
    geloescht_am timestamp NULL,
    geaendert_am timestamp NULL
);

CREATE INDEX IF NOT EXISTS ansprechpartner_mandant_idx ON ansprechpartner (mandant_nr);
CREATE INDEX IF NOT EXISTS ansprechpartner_adresse_idx ON ansprechpartner (adress_nr);
CREATE INDEX IF NOT EXISTS ansprechpartner_name_idx ON ansprechpartner (mandant_nr, nachname, vorname, ansprechpartner_id);

CREATE TABLE IF NOT EXISTS ansprechpartner_email (
    email_id {{ identity_pk }},
    ansprechpartner_id integer NOT NULL REFERENCES ansprechpartner (ansprechpartner_id),
    email text NOT NULL,
    art text NOT NULL DEFAULT 'geschäftlich',
    ist_primaer boolean NOT NULL DEFAULT false,
    geaendert_am timestamp NULL
);

CREATE INDEX IF NOT EXISTS ansprechpartner_email_person_idx ON ansprechpartner_email (ansprechpartner_id);
CREATE UNIQUE INDEX IF NOT EXISTS ansprechpartner_email_primaer_idx ON ansprechpartner_email (ansprechpartner_id)
    WHERE ist_primaer;
