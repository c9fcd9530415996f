"""The provider's wheel and a fresh virtual environment with it and Airflow, built once per test session.

The wheel is built from a copy of the working tree (what git tracks or would track), so the build
leaves nothing in the checkout. The venv is made with ``python -m venv`` (no system site packages)
and gets ``apache-airflow`` first and then the wheel, each under the project's ``constraints.txt``
(the stand-in for Airflow's official constraints file of 3.3.2), from the registry or pip's cache, as
a data team installs the provider into the Airflow it already runs; it is deleted when the session ends.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 600  # seconds; the install takes one to three minutes, depending on the machine's load


def run(command: list[str], *, env: dict[str, str] | None = None, timeout: float = 300, cwd: Path | None = None) -> str:
    """Run a command; on failure, fail the test with the tail of its output."""
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-4000:]
        pytest.fail(f"{' '.join(command[:4])} ... exited with {result.returncode}:\n{output}", pytrace=False)
    return result.stdout


def clean_environment(extra_path: Path | None = None) -> dict[str, str]:
    """This process's environment without Airflow, project and interpreter settings (the test session's
    AIRFLOW_HOME, plugins folder, CLEVERREACH_SQL_DIR, PYTHONPATH, the project venv on PATH)."""
    dropped = ("AIRFLOW", "CLEVERREACH", "PYTHON", "VIRTUAL_ENV", "TEST_POSTGRES")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    project_bin = str(Path(sys.prefix) / "bin")
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry and entry != project_bin]
    if extra_path is not None:
        path.insert(0, str(extra_path))
    env["PATH"] = os.pathsep.join(path)
    return env


def _copy_worktree(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@dataclass(frozen=True)
class FreshVenv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def env(self, **settings: str) -> dict[str, str]:
        return {**clean_environment(self.bin), "VIRTUAL_ENV": str(self.root), **settings}

    def run(self, program: str, *args: str, cwd: Path, **settings: str) -> str:
        """Run one of the venv's programs (``python``, ``airflow``) in a clean environment plus ``settings``."""
        return run([str(self.bin / program), *args], env=self.env(**settings), cwd=cwd)


def _scratch_parent() -> str | None:
    """``/dev/shm`` when it is a writable, executable tmpfs with room, else None (the system's temporary
    folder). The venv is about 500 MB in 20,000 files: a busy disk takes a minute to delete it."""
    shm = "/dev/shm"
    try:
        stats = os.statvfs(shm)
    except OSError:
        return None
    room = stats.f_bavail * stats.f_frsize
    usable = not stats.f_flag & (os.ST_NOEXEC | os.ST_RDONLY) and room > 2 * 1024**3 and os.access(shm, os.W_OK)
    return shm if usable else None


@pytest.fixture(scope="session")
def packaging_dir() -> Iterator[Path]:
    """One scratch folder for the session's wheel and venv, deleted at the end."""
    folder = Path(tempfile.mkdtemp(prefix="cleverreach-packaging-", dir=_scratch_parent()))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def source_tree(packaging_dir: Path) -> Path:
    """A snapshot of the working tree: the wheel is built from it and compared with it, so files that
    others add to the checkout while the session runs cannot make the comparison race."""
    source = packaging_dir / "src"
    _copy_worktree(source)
    return source


@pytest.fixture(scope="session")
def wheel(packaging_dir: Path, source_tree: Path) -> Path:
    """The provider's wheel, built like the Dockerfile installs it: no dependencies, no build isolation."""
    source, dist = source_tree, packaging_dir / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(dist), str(source)],
        env=clean_environment(),
    )
    (built,) = dist.glob("airflow_provider_cleverreach-*.whl")
    return built


def _freeze(venv: FreshVenv) -> dict[str, str]:
    """What a venv has installed, as {canonical name: version}."""
    listed = json.loads(run([str(venv.python), "-m", "pip", "list", "--format", "json"], env=venv.env()))
    return {canonicalize_name(package["name"]): package["version"] for package in listed}


@dataclass(frozen=True)
class ExistingAirflow(FreshVenv):
    """The venv of an Airflow that ran before the provider came: ``before`` is its packages then."""

    before: dict[str, str] = field(default_factory=dict)

    def freeze(self) -> dict[str, str]:
        return _freeze(self)


@pytest.fixture(scope="session")
def fresh_venv(packaging_dir: Path, wheel: Path) -> ExistingAirflow:
    """A customer's Airflow, then the provider: a new venv (no system site packages) gets apache-airflow under
    the constraints first, as a data team runs it today, and then the wheel alone under the same constraints,
    as the README's recipe installs it into an Airflow that already runs."""
    root = packaging_dir / "venv"
    run([sys.executable, "-m", "venv", str(root)], env=clean_environment())
    plain = FreshVenv(root)
    constraints = str(REPO / "constraints.txt")
    # --no-compile: byte-compiling all of Airflow costs more than compiling what the tests import
    pip = [str(plain.python), "-m", "pip", "install", "--quiet", "--no-compile"]
    run([*pip, "apache-airflow", "--constraint", constraints], env=plain.env(), timeout=INSTALL_TIMEOUT)
    before = _freeze(plain)
    run([*pip, str(wheel), "--constraint", constraints], env=plain.env(), timeout=INSTALL_TIMEOUT)
    return ExistingAirflow(root, before)
