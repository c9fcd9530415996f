#!/usr/bin/env bash
# airflow-init (docker-compose.yaml): runs once, as root, before the other Airflow services start.
#  0. no start with a public, placeholder or weak secret (docker/check_secrets.py; before anything is created)
#  1. ownership of the shared volumes for the Airflow user (AIRFLOW_UID)
#  2. `airflow db migrate` (waits for the metadata DB first, through the image's /entrypoint), then the
#     CleverReach API pool (cleverreach_api, [cleverreach] api_pool_slots slots)
#  3. the CleverReach roles (CleverReach Viewer / Editor / Admin) of the FAB auth manager; they must exist
#     before the dag-processor parses the DAGs, whose access_control names them
#  4. the UI login: an Airflow Admin user from AIRFLOW_ADMIN_USER / AIRFLOW_ADMIN_PASSWORD (.env), kept if present
#  5. the integration's private state in the CRM (connection hyperspace_crm, AIRFLOW_CONN_HYPERSPACE_CRM from .env)
#     migrated before any DAG runs (python -m cleverreach.crm.migrate; each DAG run's first task does it again, a
#     no-op then). A CRM still holding the tables of release 0.1 stops the start here: adopt them once first
#     (`docker compose run --rm airflow-cli python -m cleverreach.crm.adopt_legacy`, README "Upgrading")
set -euo pipefail

python "$(dirname "${BASH_SOURCE[0]}")/check_secrets.py"

: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env}"
export AIRFLOW_ADMIN_USER=${AIRFLOW_ADMIN_USER:-admin}
AIRFLOW_UID=${AIRFLOW_UID:-50000}

mkdir -p /opt/airflow/logs
chown -R "${AIRFLOW_UID}:0" /opt/airflow/logs

/entrypoint airflow db migrate
# the pool that bounds the CleverReach API tasks across the deployment (docker/airflow.env sets its size);
# `pools set` creates or resizes it, so every start applies the configured size
/entrypoint airflow pools set "${AIRFLOW__CLEVERREACH__API_POOL:-cleverreach_api}" \
  "${AIRFLOW__CLEVERREACH__API_POOL_SLOTS:-8}" "CleverReach API calls across the deployment"
/entrypoint python -m cleverreach.ui.roles
if /entrypoint airflow users list --output json | grep -q "\"username\": \"${AIRFLOW_ADMIN_USER}\""; then
  echo "UI login ${AIRFLOW_ADMIN_USER} exists; its password is kept"
else
  /entrypoint airflow users create --role Admin --username "${AIRFLOW_ADMIN_USER}" --password "${AIRFLOW_ADMIN_PASSWORD}" \
    --firstname Airflow --lastname Admin --email "${AIRFLOW_ADMIN_USER}@localhost"
  echo "UI login: ${AIRFLOW_ADMIN_USER} (password from AIRFLOW_ADMIN_PASSWORD)"
fi
/entrypoint python -m cleverreach.crm.migrate
/entrypoint airflow version
