#!/usr/bin/env bash
# Entry point of the project's image: the official /entrypoint, preceded (when CLEVERREACH_EMULATOR_FORWARD is
# set, e.g. "cleverreach-emulator:8765") by a loopback forwarder 127.0.0.1:8765 -> the emulator service. The
# CleverReach hook speaks plain HTTP to loopback hosts only, so this is how containers reach the emulator.
# First of all: no start with a public, placeholder or weak secret (docker/check_secrets.py says which and why).
python "$(dirname "${BASH_SOURCE[0]}")/check_secrets.py" || exit 1
if [[ -n "${CLEVERREACH_EMULATOR_FORWARD:-}" ]]; then
  python /opt/airflow/docker/loopback_forward.py "${CLEVERREACH_EMULATOR_FORWARD}" &
fi
exec /entrypoint "$@"
