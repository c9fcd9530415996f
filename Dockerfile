# The Airflow image of docker-compose.yaml: the official Airflow image plus this repository's CleverReach
# provider (the `airflow-provider-cleverreach` wheel, whose entry points register the `cleverreach` connection
# type and the CleverReach page) and its runtime dependencies, installed against the repository's
# constraints.txt (the versions the tests ran with). No test or development tool is installed
# (those live in requirements-dev.txt, for the dev venv only).
#   docker compose build        (or: docker build --target runtime -t cleverreach-airflow:3.3.2 .)
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.12
# The base of both stages: the official Airflow image. AIRFLOW_BASE_IMAGE names another image that has the same
# layout (user airflow, uid 50000, /entrypoint, Airflow and its providers installed for that user); the compose
# test builds such a stand-in from Debian's packages where no registry can be reached (docker/standin/,
# README "Running on docker compose" says what differs)
ARG AIRFLOW_BASE_IMAGE=apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

# ---- 1. wheels: the provider and the emulator, built once; the build tools stay in this stage
FROM ${AIRFLOW_BASE_IMAGE} AS wheels
COPY --chown=airflow:0 pyproject.toml README.md /src/provider/
COPY --chown=airflow:0 plugins/cleverreach /src/provider/plugins/cleverreach
COPY --chown=airflow:0 emulator /src/emulator
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /tmp/wheels /src/provider /src/emulator

# ---- 2. runtime: every Airflow service of the compose stack
FROM ${AIRFLOW_BASE_IMAGE} AS runtime
ARG AIRFLOW_VERSION
ARG PYTHON_VERSION
# The repository's constraints.txt, the exact versions the tests ran with (Python 3.12, Airflow 3.3.2), copied
# into the build: nothing fetched at build time decides a version. CONSTRAINTS_FILE names another file of the
# build context (e.g. for another AIRFLOW_VERSION, whose apache-airflow pin it must match). Pinning
# apache-airflow in the same command keeps pip from up- or downgrading it
# (https://airflow.apache.org/docs/docker-stack/build.html)
ARG CONSTRAINTS_FILE=constraints.txt
COPY --chown=airflow:0 ${CONSTRAINTS_FILE} /tmp/constraints.txt
COPY --from=wheels --chown=airflow:0 /tmp/wheels/airflow_provider_cleverreach-*.whl /tmp/wheels/
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
        "$(ls /tmp/wheels/airflow_provider_cleverreach-*.whl)[postgres,columnar]" \
        --constraint /tmp/constraints.txt \
    && rm -rf /tmp/wheels /tmp/constraints.txt

# the CRM adapter's SQL (also mounted by docker-compose.yaml, so that edits need no rebuild) and the helpers
COPY --chown=airflow:0 include /opt/airflow/include
COPY --chown=airflow:0 docker/ /opt/airflow/docker/
# the public values docker/check_secrets.py refuses as secrets (the entrypoint runs it in every container)
COPY --chown=airflow:0 .env.example /opt/airflow/docker/env.example
ENV CLEVERREACH_SQL_DIR=/opt/airflow/include/sql

# bash, not the exec bit: robust against checkouts that lose file modes (as the official image does)
ENTRYPOINT ["/usr/bin/dumb-init", "--", "bash", "/opt/airflow/docker/entrypoint.sh"]
CMD []

# ---- 3. emulator: the runtime plus the CleverReach emulator, for the compose profile "emulator" only
# (its dependencies, FastAPI and uvicorn, are Airflow's own)
FROM runtime AS emulator
COPY --from=wheels --chown=airflow:0 /tmp/wheels/cleverreach_emulator-*.whl /tmp/wheels/
RUN pip install --no-cache-dir --no-deps /tmp/wheels/cleverreach_emulator-*.whl && rm -rf /tmp/wheels
