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


def test_the_layout_table_names_every_room_of_the_provider():
    package = Path(__file__).resolve().parents[2] / "plugins" / "cleverreach"
    layout = README[README.index("## Layout"): README.index("## Connections")]
    rooms = [p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    modules = [p.name for p in package.glob("*.py") if p.name != "__init__.py"]
    missing = [f"{name}/" for name in rooms if f"`plugins/cleverreach/{name}/`" not in layout]
    missing += [name for name in modules if f"`{name}`" not in layout]
    assert not missing, f"the README's layout table does not name {missing}"
