-- The lease's holder and its fence (issue 13): which task attempt holds a running sync_run (DAG, run, task and
-- map index; Airflow's try number) and when it last showed life. A newer attempt of the same task takes the
-- lease over at once; anyone else only after the heartbeat is older than [cleverreach] lease_timeout_seconds.
ALTER TABLE sync_run ADD COLUMN lease_holder text NULL;
ALTER TABLE sync_run ADD COLUMN attempt integer NULL;
ALTER TABLE sync_run ADD COLUMN heartbeat_at timestamp NULL;
