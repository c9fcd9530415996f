-- Companies ("Adressen") with their two name lines, a category from the tenant's own lookup table,
-- key words ("Schlagworte", m:n over a lookup table) and sales processes ("Vertriebsvorgänge").
-- A company-wide advertising block ("Werbesperre") applies to every contact person of the company.
CREATE TABLE IF NOT EXISTS adresskategorie (
    kategorie_id {{ identity_pk }},
    mandant_nr text NOT NULL REFERENCES mandant_stamm (mandant_nr),
    bezeichnung text NOT NULL,
    UNIQUE (mandant_nr, bezeichnung)
);

CREATE TABLE IF NOT EXISTS adresse (
    adress_nr integer PRIMARY KEY,
    mandant_nr text NOT NULL REFERENCES mandant_stamm (mandant_nr),
    name1 text NOT NULL,
    name2 text NULL,
    suchbegriff text NULL,
    strasse text NULL,
    plz text NULL,
    ort text NULL,
    kategorie_id integer NULL REFERENCES adresskategorie (kategorie_id),
    werbesperre boolean NOT NULL DEFAULT false
);

CREATE INDEX IF NOT EXISTS adresse_mandant_idx ON adresse (mandant_nr);

CREATE TABLE IF NOT EXISTS schlagwort (
    schlagwort_id {{ identity_pk }},
    mandant_nr text NOT NULL REFERENCES mandant_stamm (mandant_nr),
    bezeichnung text NOT NULL,
    UNIQUE (mandant_nr, bezeichnung)
);

CREATE TABLE IF NOT EXISTS adresse_schlagwort (
    adress_nr integer NOT NULL REFERENCES adresse (adress_nr),
    schlagwort_id integer NOT NULL REFERENCES schlagwort (schlagwort_id),
    PRIMARY KEY (adress_nr, schlagwort_id)
);

CREATE TABLE IF NOT EXISTS vertriebsvorgang (
    vorgang_nr {{ identity_pk }},
    adress_nr integer NOT NULL REFERENCES adresse (adress_nr),
    prozess text NOT NULL,
    eroeffnet_am timestamp NULL
);

CREATE INDEX IF NOT EXISTS vertriebsvorgang_adresse_idx ON vertriebsvorgang (adress_nr);
