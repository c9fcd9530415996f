#!/usr/bin/env bash
# Entry point of the project's image: the official /entrypoint, preceded (when CLEVERREACH_EMULATOR_FORWARD is
# set, e.g. "cleverreach-emulator:8765") by a loopback forwarder 127.0.0.1:8765 -> the emulator service. The
# CleverReach hook speaks plain HTTP to loopback hosts only, so this is how containers reach the emulator.
if [[ -n "${CLEVERREACH_EMULATOR_FORWARD:-}" ]]; then
  python /opt/airflow/docker/loopback_forward.py "${CLEVERREACH_EMULATOR_FORWARD}" &
fi
exec /entrypoint "$@"
