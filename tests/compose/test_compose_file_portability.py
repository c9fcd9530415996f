"""docker-compose.yaml runs on podman's Docker API as on Docker's: what the compose stack test found (issue 19),
as quick checks of the file (no engine needed)."""

from __future__ import annotations

import pytest
import yaml

from scripts.airflow_env import REPO

RAW = yaml.safe_load((REPO / "docker-compose.yaml").read_text())
SERVICES = RAW["services"]
CHECKED = sorted(name for name, svc in SERVICES.items() if "healthcheck" in svc)


@pytest.mark.parametrize("name", CHECKED)
def test_no_healthcheck_argument_holds_whitespace(name):
    """podman 4.3's Docker API splits each CMD argument at whitespace: `python -c "import x; ..."` became
    `python -c import x;` and the emulator never got healthy. CMD-SHELL strings are one argument anyway."""
    test = SERVICES[name]["healthcheck"]["test"]
    if test[0] == "CMD":
        assert all(" " not in arg for arg in test[1:]), test


@pytest.mark.parametrize("name", CHECKED)
def test_no_healthcheck_reads_hostname_from_the_environment(name):
    """podman puts no HOSTNAME into a container's environment: `celery@$HOSTNAME` pinged `celery@` and the
    workers never got healthy. `hostname` answers the same on both engines."""
    assert "HOSTNAME" not in " ".join(SERVICES[name]["healthcheck"]["test"]), SERVICES[name]["healthcheck"]


def test_one_shot_python_as_root_goes_through_the_images_entrypoint():
    """crm-demo-data runs as root (the seed volume) with bash as entrypoint: a bare `python` did not find Airflow's
    packages, installed for the user airflow; the image's /entrypoint puts them on root's PYTHONPATH."""
    svc = SERVICES["crm-demo-data"]
    assert svc["user"] == "0:0" and svc["entrypoint"] == "/bin/bash"
    assert svc["command"][1].startswith("exec /entrypoint python "), svc["command"]
