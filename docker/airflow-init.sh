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
# the step that failed, in the container's log (compose itself says only "exited with code N")
trap 'echo "airflow-init: stopped (exit $?) at line ${LINENO}: $(sed -n "${LINENO}p" "${BASH_SOURCE[0]}")" >&2' ERR

# Each step below is idempotent, so one that meets a passing fault (a name lookup that fails while the
# container network reloads for a container that starts, a database that restarts) runs again: 3 tries, 5 s
# apart. A lasting fault (a refusal, a bad setting) fails the start after the third.
TRIES=${AIRFLOW_INIT_TRIES:-3} PAUSE=${AIRFLOW_INIT_PAUSE:-5}
# the image's entrypoint and the logs volume (other paths only in tests/test_airflow_init.py)
ENTRYPOINT=${AIRFLOW_INIT_ENTRYPOINT:-/entrypoint} LOGS=${AIRFLOW_INIT_LOGS:-/opt/airflow/logs}
retry() {
  local attempt status
  for ((attempt = 1; ; attempt++)); do
    "$@" && return 0
    status=$?
    echo "airflow-init: exit ${status} from: $* (try ${attempt} of ${TRIES})" >&2
    ((attempt < TRIES)) || return "${status}"
    sleep "${PAUSE}"
  done
}

python "$(dirname "${BASH_SOURCE[0]}")/check_secrets.py"

: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env}"
export AIRFLOW_ADMIN_USER=${AIRFLOW_ADMIN_USER:-admin}
AIRFLOW_UID=${AIRFLOW_UID:-50000}

mkdir -p "${LOGS}"
chown -R "${AIRFLOW_UID}:0" "${LOGS}"

retry "${ENTRYPOINT}" airflow db migrate
# the pool that bounds the CleverReach API tasks across the deployment (docker/airflow.env sets its size);
# `pools set` creates or resizes it, so every start applies the configured size
retry "${ENTRYPOINT}" airflow pools set "${AIRFLOW__CLEVERREACH__API_POOL:-cleverreach_api}" \
  "${AIRFLOW__CLEVERREACH__API_POOL_SLOTS:-8}" "CleverReach API calls across the deployment"
retry "${ENTRYPOINT}" python -m cleverreach.ui.roles
# read whole before it is searched: a failing list stops the start here, not as a second "users create"
users=$(retry "${ENTRYPOINT}" airflow users list --output json)
if grep -q "\"username\": \"${AIRFLOW_ADMIN_USER}\"" <<<"${users}"; then
  echo "UI login ${AIRFLOW_ADMIN_USER} exists; its password is kept"
else
  retry "${ENTRYPOINT}" airflow users create --role Admin --username "${AIRFLOW_ADMIN_USER}" --password "${AIRFLOW_ADMIN_PASSWORD}" \
    --firstname Airflow --lastname Admin --email "${AIRFLOW_ADMIN_USER}@localhost"
  echo "UI login: ${AIRFLOW_ADMIN_USER} (password from AIRFLOW_ADMIN_PASSWORD)"
fi
retry "${ENTRYPOINT}" python -m cleverreach.crm.migrate
"${ENTRYPOINT}" airflow version
