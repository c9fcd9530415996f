# The Airflow image of docker-compose.yaml: the official Airflow 3.3.2 image (Python 3.11) plus this
# repository's CleverReach provider (the `airflow-provider-cleverreach` distribution, whose entry point
# registers the `cleverreach` connection type) and its exact pins.
#   docker compose build        (or: docker build -t cleverreach-airflow:3.3.2 .)
FROM apache/airflow:3.3.2-python3.11

ARG AIRFLOW_VERSION=3.3.2

# 1. the dependencies, exactly as in requirements.txt + constraints.txt, with Airflow pinned in the same
#    command so that pip never up- or downgrades it (https://airflow.apache.org/docs/docker-stack/build.html)
COPY --chown=airflow:0 requirements.txt constraints.txt /tmp/provider/
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
        -r /tmp/provider/requirements.txt -c /tmp/provider/constraints.txt

# 2. the provider itself and the emulator distribution (the `cleverreach-emulator` service runs it),
#    without touching the dependencies
COPY --chown=airflow:0 pyproject.toml README.md /tmp/provider/
COPY --chown=airflow:0 plugins/cleverreach /tmp/provider/plugins/cleverreach
COPY --chown=airflow:0 emulator /tmp/provider/emulator
RUN pip install --no-cache-dir --no-deps --no-build-isolation /tmp/provider /tmp/provider/emulator \
    && rm -rf /tmp/provider

# 3. the SQL (also mounted by docker-compose.yaml, so that edits need no rebuild) and the container helpers
COPY --chown=airflow:0 include /opt/airflow/include
COPY --chown=airflow:0 docker/ /opt/airflow/docker/
ENV CLEVERREACH_SQL_DIR=/opt/airflow/include/sql

# bash, not the exec bit: robust against checkouts that lose file modes (as the official image does)
ENTRYPOINT ["/usr/bin/dumb-init", "--", "bash", "/opt/airflow/docker/entrypoint.sh"]
CMD []
