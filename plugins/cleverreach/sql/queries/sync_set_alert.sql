UPDATE {{ state }}.sync_run SET alert = :alert WHERE id = :id;
