-- The hyperspace CRM's own tables, as far as the integration reads them. The real CRM owns them;
-- the tests and the demo create them from this file (idempotently).
CREATE TABLE IF NOT EXISTS tenant (
    id text PRIMARY KEY,
    name text NOT NULL,
    cleverreach_conn_id text NULL,
    active boolean NOT NULL DEFAULT true
);

CREATE TABLE IF NOT EXISTS address (
    id integer PRIMARY KEY,
    tenant_id text NOT NULL REFERENCES tenant (id),
    name text NOT NULL,
    matchcode text,
    city text,
    category text
);

CREATE INDEX IF NOT EXISTS address_tenant_idx ON address (tenant_id);

CREATE TABLE IF NOT EXISTS address_tag (
    address_id integer NOT NULL REFERENCES address (id),
    tag text NOT NULL
);

CREATE INDEX IF NOT EXISTS address_tag_address_idx ON address_tag (address_id);

CREATE TABLE IF NOT EXISTS address_sales_process (
    address_id integer NOT NULL REFERENCES address (id),
    sales_process text NOT NULL
);

CREATE INDEX IF NOT EXISTS address_sales_process_address_idx ON address_sales_process (address_id);

CREATE TABLE IF NOT EXISTS contact_person (
    id integer PRIMARY KEY,
    tenant_id text NOT NULL REFERENCES tenant (id),
    address_id integer NULL REFERENCES address (id),
    salutation text,
    first_name text,
    last_name text,
    function text,
    email text NULL
);

CREATE INDEX IF NOT EXISTS contact_person_tenant_idx ON contact_person (tenant_id);
CREATE INDEX IF NOT EXISTS contact_person_address_idx ON contact_person (address_id);
