SELECT action, count(*) AS n FROM {{ state }}.sync_change WHERE run_id = :run_pk GROUP BY action ORDER BY action;
