"""The README's reference tables against the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

from cleverreach.hooks.settings import CleverReachSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_connection_extra_is_documented():
    rows = re.findall(r"^\s*\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", README, re.MULTILINE)
    documented = {name for row in rows for name in re.findall(r"`([a-z_]+)`", row)}
    fields = set(CleverReachSettings.field_names())
    assert fields <= documented, f"extras missing from the README: {sorted(fields - documented)}"
