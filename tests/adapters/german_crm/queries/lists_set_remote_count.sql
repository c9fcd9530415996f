UPDATE verteiler SET cr_anzahl = :remote_member_count WHERE verteiler_id = :list_id;
