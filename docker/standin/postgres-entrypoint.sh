#!/usr/bin/env bash
# The stand-in postgres image's entry point, after the official one: on an empty data directory initdb with
# POSTGRES_USER as superuser and POSTGRES_PASSWORD (scram-sha-256 over TCP, trust on the local socket), the
# database POSTGRES_DB, then /docker-entrypoint-initdb.d/*.sql once; always the server as user postgres.
set -euo pipefail
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=${POSTGRES_USER}}"
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [[ "${1:-}" != postgres ]]; then exec "$@"; fi
mkdir -p "${PGDATA}" /var/run/postgresql
chown postgres:postgres "${PGDATA}" /var/run/postgresql
chmod 700 "${PGDATA}"
if [[ ! -s "${PGDATA}/PG_VERSION" ]]; then
  pwfile=$(mktemp)
  printf '%s' "${POSTGRES_PASSWORD}" > "${pwfile}"
  chown postgres "${pwfile}"
  as_postgres initdb -D "${PGDATA}" -U "${POSTGRES_USER}" --pwfile="${pwfile}" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "${pwfile}"
  echo "host all all all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
  as_postgres pg_ctl -D "${PGDATA}" -o "-c listen_addresses=''" -w start >/dev/null
  if [[ "${POSTGRES_DB}" != postgres ]]; then
    as_postgres psql -q -v ON_ERROR_STOP=1 -U "${POSTGRES_USER}" -d postgres -c "CREATE DATABASE \"${POSTGRES_DB}\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "${f}" in
      *.sql) echo "running ${f}"; as_postgres psql -q -v ON_ERROR_STOP=1 -U "${POSTGRES_USER}" -d "${POSTGRES_DB}" -f "${f}" ;;
      *.sh) echo "running ${f}"; . "${f}" ;;
    esac
  done
  as_postgres pg_ctl -D "${PGDATA}" -m fast -w stop >/dev/null
  echo "database initialised"
fi
shift
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "${PGDATA}" -c listen_addresses='*' "$@"
