UPDATE ansprechpartner SET werbesperre = true, geaendert_am = :now WHERE ansprechpartner_id = :id;
