UPDATE ansprechpartner SET nachname = :last_name, geaendert_am = :now WHERE ansprechpartner_id = :id;
