# A stand-in for the official apache/airflow:<version>-python3.12 image, built from Debian's packages where no
# container registry can be reached (the compose test, tests/compose). The project's Dockerfile takes it through
# its build argument AIRFLOW_BASE_IMAGE; the official image stays the default. The same layout as the official
# image: Python in /usr/local, user airflow (uid 50000, group 0, HOME /home/airflow), Airflow and the providers
# the compose stack needs installed for that user (PIP_USER), AIRFLOW_HOME /opt/airflow, dumb-init and /entrypoint.
# What differs: docs/development.md, "The compose tests". Its build context is put together by scripts/compose_images.py:
#   python.tar        the build host's CPython 3.12 (Debian bookworm ships 3.11), without its tests and site-packages
#   certs/*.crt       the build host's extra CA certificates, for pip behind an inspecting proxy (this image only)
#   constraints.txt   the repository's pins, the versions the tests ran with
#   requirements.txt  what is installed for user airflow (docker/standin/airflow-requirements.txt)
#   wheels/           their wheels at those pins, made on the build host by its pip (from its pip cache): the
#                     install below runs without an index (the same Python, so the same wheels fit); a wheel
#                     missing there fails the build instead of being fetched
#   entrypoint.sh     the stand-in /entrypoint
ARG DEBIAN_IMAGE=localhost/cleverreach-standin/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl dumb-init procps libssl3 libsqlite3-0 \
       libffi8 zlib1g libbz2-1.0 liblzma5 libreadline8 libncursesw6 libuuid1 libgdbm6 libexpat1 libtirpc3 \
    && rm -rf /var/lib/apt/lists/*
COPY certs/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
ADD python.tar /usr/local/
RUN ldconfig && python3.12 -m ensurepip --default-pip >/dev/null && python3.12 --version
RUN useradd --uid 50000 --gid 0 --home-dir /home/airflow --create-home --shell /bin/bash airflow \
    && mkdir -p /opt/airflow/dags /opt/airflow/logs /opt/airflow/plugins /opt/airflow/config \
    && chown -R airflow:0 /opt/airflow /home/airflow && chmod -R g+w /opt/airflow /home/airflow
ENV AIRFLOW_HOME=/opt/airflow \
    AIRFLOW_USER_HOME_DIR=/home/airflow \
    PIP_USER=true \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/home/airflow/.local/bin:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
    PYTHONUNBUFFERED=1
USER airflow
# the wheels are mounted for this step only (they stay out of the image's layers); the constraints and the list
# are copied, so that a change to either rebuilds this layer
COPY --chown=airflow:0 constraints.txt requirements.txt /tmp/airflow-install/
RUN --mount=type=bind,source=wheels,target=/tmp/wheels \
    pip install --no-cache-dir --no-index --find-links /tmp/wheels -r /tmp/airflow-install/requirements.txt \
        --constraint /tmp/airflow-install/constraints.txt >/dev/null \
    && rm -r /tmp/airflow-install && airflow version
COPY --chmod=755 entrypoint.sh /entrypoint
WORKDIR /opt/airflow
EXPOSE 8080
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]
CMD []
