"""The page's frontend (frontend/): its own tests (vitest), its types (tsc), and the committed bundle
(plugins/cleverreach/ui/static/cleverreach-page.js) being exactly what its sources build. The bundle is committed so
that installing the package needs no Node.js; this test keeps it honest.

Needs Node.js and npm (the machine's; the packages come from the npm registry, pinned by package-lock.json).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cleverreach.ui.app import BUNDLE_NAME, STATIC_DIR

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="Node.js and npm are not installed (.ci/run requires them)")


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", *args], cwd=FRONTEND, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def installed() -> None:
    """node_modules as package-lock.json pins it (installed once; `npm ci` when the lock changed)."""
    stamp = FRONTEND / "node_modules" / ".package-lock.json"
    lock = FRONTEND / "package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        done = _npm("ci", "--no-audit", "--no-fund")
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_the_frontends_own_tests_pass(installed):
    done = _npm("test")
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]


def test_the_committed_bundle_is_what_the_sources_build(installed, tmp_path):
    types = subprocess.run(["npx", "tsc", "--noEmit", "-p", "tsconfig.json"], cwd=FRONTEND, capture_output=True,
                           text=True, timeout=600, check=False)
    assert types.returncode == 0, types.stdout[-5000:]
    built = subprocess.run(["npx", "vite", "build", "--outDir", str(tmp_path)], cwd=FRONTEND, capture_output=True,
                           text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    fresh = (tmp_path / BUNDLE_NAME).read_bytes()
    assert fresh == (STATIC_DIR / BUNDLE_NAME).read_bytes(), (
        "plugins/cleverreach/ui/static/cleverreach-page.js is stale: run `make frontend` and commit it")
