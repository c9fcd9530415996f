#!/usr/bin/env bash
# airflow-init (docker-compose.yaml): runs once, as root, before the other Airflow services start.
#  1. the UI login: SimpleAuthManager's passwords file from AIRFLOW_ADMIN_USER / AIRFLOW_ADMIN_PASSWORD (.env)
#  2. ownership of the shared volumes for the Airflow user (AIRFLOW_UID)
#  3. `airflow db migrate` (waits for the metadata DB first, through the image's /entrypoint)
set -euo pipefail

: "${AIRFLOW_ADMIN_PASSWORD:?set AIRFLOW_ADMIN_PASSWORD in .env}"
export AIRFLOW_ADMIN_USER=${AIRFLOW_ADMIN_USER:-admin}
AIRFLOW_UID=${AIRFLOW_UID:-50000}
passwords_file=${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-/opt/airflow/config/simple_auth_manager_passwords.json}

mkdir -p /opt/airflow/logs "$(dirname "$passwords_file")"
python - "$passwords_file" <<'PY'
import json, os, sys
path = sys.argv[1]
with open(path, "w") as f:
    json.dump({os.environ["AIRFLOW_ADMIN_USER"]: os.environ["AIRFLOW_ADMIN_PASSWORD"]}, f)
    f.write("\n")
PY
chmod 600 "$passwords_file"
chown -R "${AIRFLOW_UID}:0" /opt/airflow/logs "$(dirname "$passwords_file")"
echo "UI login: ${AIRFLOW_ADMIN_USER} (password from AIRFLOW_ADMIN_PASSWORD)"

/entrypoint airflow db migrate
/entrypoint airflow version
