-- A German-shaped CRM (a worked example of a CRM adapter, see ../README.md): the tenants ("Mandanten").
-- The base table holds a lock flag instead of an active flag; the CRM's screens and the adapter read the
-- view `mandant` (0002), which turns the lock into "aktiv".
CREATE TABLE IF NOT EXISTS mandant_stamm (
    mandant_nr text PRIMARY KEY,
    bezeichnung text NOT NULL,
    cr_verbindung text NULL,
    gesperrt boolean NOT NULL DEFAULT false,
    angelegt_am timestamp NULL,
    zeitzone text NOT NULL DEFAULT 'Europe/Berlin'
);
