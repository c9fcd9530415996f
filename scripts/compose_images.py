"""The stand-in base images of the compose test, built from Debian's packages (no container registry here).

1. ``localhost/cleverreach-standin/debian:bookworm``: ``mmdebstrap --variant=minbase bookworm`` (the machine's
   Debian mirror, through apt; its package lists kept) imported with ``podman import``; built once, then kept.
2. ``localhost/cleverreach-standin/airflow:3.3.2-python3.12``: ``docker/standin/airflow-base.Dockerfile`` on it,
   with the build host's CPython 3.12, its extra CA certificates, the repository's constraints.txt and the wheels
   of ``docker/standin/airflow-requirements.txt`` at those pins in the build context (podman's layer cache makes
   a rebuild without changes take seconds). The wheels come from the build host's pip (``pip wheel``, from its
   pip cache, which ``make install`` has filled with the same pins), so the image's install needs no index.

    python -m scripts.compose_images      # both (and the database stand-ins), then the sizes

CI (``.ci/run``) starts this in the background while the parallel tier of ``make test`` runs (it mostly waits on
apt, pip and podman's storage), so that the compose test later finds the base images made; both hold
:func:`images_lock`, so the test waits for a build still under way instead of starting a second one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from scripts.compose_engine import REPO, podman

DEBIAN_IMAGE = "localhost/cleverreach-standin/debian:bookworm"
AIRFLOW_BASE_IMAGE = "localhost/cleverreach-standin/airflow:3.3.2-python3.12"
STANDIN = REPO / "docker" / "standin"
# what update-ca-certificates installed on the build host: certificates of the machine, not of Debian
LOCAL_CERTS = Path("/usr/local/share/ca-certificates")
# left out of the copied Python: its test suite, GUI tools, and scripts whose #! names the host's path
PYTHON_SKIP = ("lib/python3.12/test/", "lib/python3.12/idlelib/", "lib/python3.12/tkinter/", "lib/python3.12/turtledemo/",
               "lib/python3.12/site-packages/", "bin/pip", "bin/idle", "bin/2to3", "bin/pydoc")


# machine-wide, as podman's image store is
LOCK_FILE = Path(tempfile.gettempdir()) / "cleverreach-compose-images.lock"


@contextmanager
def images_lock() -> Iterator[None]:
    """Held while the base images build: one build at a time on this machine (CI's early build, the test)."""
    import fcntl

    with open(LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def image_exists(name: str) -> bool:
    return podman("image", "exists", name, check=False).returncode == 0


def image_size(name: str) -> int:
    """Bytes of the image, with its base layers."""
    return int(podman("image", "inspect", "--format", "{{.Size}}", name).stdout.strip())


def build_debian_base(work: Path) -> float:
    """The Debian base image (kept once built); returns the seconds it took (0 when it was there)."""
    if image_exists(DEBIAN_IMAGE):
        return 0.0
    started = time.monotonic()
    rootfs = work / "rootfs.tar"
    # the package lists stay: the stand-ins' `apt-get update` then fetches only what changed since (mostly nothing)
    proc = subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase", "--skip=cleanup/apt/lists", "bookworm",
                           str(rootfs)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"mmdebstrap failed:\n{proc.stderr[-3000:]}")
    podman("import", "--change", 'CMD ["/bin/bash"]', str(rootfs), DEBIAN_IMAGE)
    rootfs.unlink()
    return time.monotonic() - started


def _python_tar(target: Path) -> None:
    """The running Python 3.12 installation (the venv's base), for /usr/local of the image: files sorted and
    owned by root, so that the same installation gives the same tar and the layer cache holds."""
    prefix = Path(sys.base_prefix)
    if sys.version_info[:2] != (3, 12):
        raise RuntimeError(f"the stand-in needs Python 3.12 to copy, this is {sys.version}")

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(prefix.rglob("*")):
            rel = path.relative_to(prefix).as_posix()
            if "__pycache__" in rel or any(rel.startswith(s) or (rel + "/") == s for s in PYTHON_SKIP):
                continue
            if path.is_dir() and not path.is_symlink():
                continue  # directories come with their files
            tar.add(path, arcname=rel, recursive=False, filter=owned_by_root)


def make_wheelhouse(target: Path) -> float:
    """The wheels of airflow-requirements.txt at the pins of constraints.txt, by this Python's pip: the image's
    Python is this one (the same version, ABI and glibc of the build host), so they fit. Returns the seconds."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                           "--wheel-dir", str(target), "--requirement", str(STANDIN / "airflow-requirements.txt"),
                           "--constraint", str(REPO / "constraints.txt")],
                          capture_output=True, text=True, timeout=1200, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"pip wheel for the stand-in Airflow base failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return time.monotonic() - started


def build_airflow_base(work: Path, log: Path, wheels: Path | None = None) -> float:
    """The stand-in for apache/airflow:3.3.2-python3.12, with the wheels of ``wheels`` (a make_wheelhouse
    folder; made here when not given); returns the seconds the build took."""
    started = time.monotonic()
    context = Path(tempfile.mkdtemp(prefix="airflow-base-", dir=work))
    try:
        (context / "certs").mkdir()
        for cert in sorted(LOCAL_CERTS.glob("*.crt")):
            shutil.copy2(cert, context / "certs" / cert.name)
        shutil.copy2(REPO / "constraints.txt", context / "constraints.txt")
        shutil.copy2(STANDIN / "airflow-requirements.txt", context / "requirements.txt")
        if wheels is None:
            make_wheelhouse(context / "wheels")
        else:  # hard links: the same file system, no copy
            shutil.copytree(wheels, context / "wheels", copy_function=os.link)
        shutil.copy2(STANDIN / "entrypoint.sh", context / "entrypoint.sh")
        _python_tar(context / "python.tar")
        # the host's network for the RUN steps: no netavark bridge, so building leaves the machine's nftables
        # ruleset and ip_forward as they were (CI builds this before the compose test notes them)
        proc = podman("build", "--layers", "--network=host", "--build-arg", f"DEBIAN_IMAGE={DEBIAN_IMAGE}",
                      "-f", str(STANDIN / "airflow-base.Dockerfile"), "-t", AIRFLOW_BASE_IMAGE, str(context),
                      check=False, timeout=1200)
        log.write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise RuntimeError(f"the stand-in Airflow base failed to build:\n{(proc.stdout + proc.stderr)[-4000:]}")
    finally:
        shutil.rmtree(context, ignore_errors=True)
    return time.monotonic() - started


def build_database_standins() -> float:
    """The PostgreSQL and Redis stand-ins (``docker/standin/*.Dockerfile`` on the Debian base) under the names
    ``docker-compose.standin.yaml`` gives them: the compose test's ``build`` of them then finds every layer cached.
    Returns the seconds."""
    started = time.monotonic()
    for name, tag in (("postgres", "localhost/cleverreach-standin/postgres:15"),
                      ("redis", "localhost/cleverreach-standin/redis:7.0")):
        podman("build", "--layers", "--network=host", "-f", str(STANDIN / f"{name}.Dockerfile"), "-t", tag, str(STANDIN),
               timeout=1200)
    return time.monotonic() - started


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="compose-images-"))
    try:
        with images_lock():
            with ThreadPoolExecutor(1) as pool:  # the wheels (pip) while mmdebstrap runs (apt)
                wheels = pool.submit(make_wheelhouse, work / "wheels")
                print(f"debian base: {build_debian_base(work):.0f} s", flush=True)
                print(f"wheels: {wheels.result():.0f} s", flush=True)
            with ThreadPoolExecutor(1) as pool:  # apt in the database stand-ins while pip fills the Airflow base
                databases = pool.submit(build_database_standins)
                print(f"airflow base: {build_airflow_base(work, work / 'build.log', work / 'wheels'):.0f} s",
                      flush=True)
                print(f"database stand-ins: {databases.result():.0f} s", flush=True)
        for name in (DEBIAN_IMAGE, AIRFLOW_BASE_IMAGE):
            print(f"{name}: {image_size(name) / 1e6:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
