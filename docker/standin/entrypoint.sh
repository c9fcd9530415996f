#!/usr/bin/env bash
# The stand-in's /entrypoint, after the official image's (scripts/docker/entrypoint_prod.sh), reduced to what the
# compose stack uses: Airflow's packages on the PYTHONPATH of root, a wait for the metadata DB
# (CONNECTION_CHECK_MAX_COUNT tries, 0 = none; a TCP connect where the official one runs `airflow db check`), then
# `bash ...` / `python ...` as they are, `airflow <cmd>` or `<cmd>` as an Airflow command.
set -euo pipefail

wait_for_metadata_db() {
  local tries=${CONNECTION_CHECK_MAX_COUNT:-20} pause=${CONNECTION_CHECK_SLEEP_TIME:-3}
  [[ ${tries} -gt 0 && -n "${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-}" ]] || return 0
  for _ in $(seq 1 "${tries}"); do
    if python - <<'PY'
import os, socket, sys
from urllib.parse import urlsplit
url = urlsplit(os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
if not url.hostname:
    sys.exit(0)  # SQLite
socket.create_connection((url.hostname, url.port or 5432), timeout=3).close()
PY
    then return 0; fi
    echo "waiting for the metadata DB" >&2
    sleep "${pause}"
  done
  echo "the metadata DB cannot be reached" >&2
  exit 1
}

# as root, Python finds the packages installed for the user airflow only through PYTHONPATH (the official
# entrypoint's set_pythonpath_for_root_user)
if [[ $(id -u) == 0 ]]; then
  export PYTHONPATH="${AIRFLOW_USER_HOME_DIR:-/home/airflow}/.local/lib/python3.12/site-packages${PYTHONPATH:+:${PYTHONPATH}}"
fi
wait_for_metadata_db
case "${1:-}" in
  bash | python | python3) exec "$@" ;;
  airflow) shift ;;
esac
exec airflow "$@"
