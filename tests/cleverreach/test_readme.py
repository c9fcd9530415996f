"""The README and docs/ against the code they describe: a short README, links that resolve, a layout
table that names each folder of the provider once, and the reference tables complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cleverreach.get_provider_info as provider_info
from cleverreach.hooks.settings import CleverReachSettings

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "plugins" / "cleverreach"
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = REPO / "docs"
OPERATIONS = (DOCS / "operations.md").read_text(encoding="utf-8")
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def section(text: str, heading: str) -> str:
    """The text from a heading to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.MULTILINE)
    assert match, f"no heading {heading!r}"
    end = re.compile(rf"^#{{1,{len(match.group(1))}}} ", re.MULTILINE).search(text, match.end())
    return text[match.end(): end.start() if end else len(text)]


def anchors(text: str) -> set[str]:
    """GitHub's anchors of a Markdown page's headings (lower case, punctuation dropped, spaces to hyphens)."""
    text = re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.MULTILINE | re.DOTALL)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower().replace("`", "")).replace(" ", "-")
            for h in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def test_the_readme_is_short():
    assert len(README.splitlines()) <= 250


def test_the_readme_names_the_two_commands_and_where_the_outer_interface_changed():
    commands = section(README, "The two commands")
    assert "make demo" in commands and "make test" in commands
    assert "(docs/changes.md)" in section(README, "Changes to the outer interface")
    assert "# Changes to the outer interface" in (DOCS / "changes.md").read_text(encoding="utf-8")


def test_every_docs_page_is_in_the_index():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in DOCS.glob("*.md") if p.name != "README.md" and f"]({p.name})" not in index]
    assert not missing, f"docs/README.md does not list {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page: Path):
    text = re.sub(r"^\s*```.*?^\s*```", "", page.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
            broken.append(target)
    assert not broken, f"{page.name}: links that do not resolve: {broken}"


def test_the_layout_table_names_every_folder_of_the_provider_once():
    layout = section(README, "Layout")
    rows = [row for row in layout.splitlines() if row.startswith("| `plugins/cleverreach/")]
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    named = [re.match(r"\| `plugins/cleverreach/([a-z_]+)/`", row) for row in rows]
    counts = {name: sum(1 for m in named if m and m.group(1) == name) for name in folders}
    assert all(n == 1 for n in counts.values()), f"folders not named exactly once: { {k: v for k, v in counts.items() if v != 1} }"
    modules = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    missing = [name for name in modules if f"`{name}`" not in layout]
    assert not missing, f"the README's layout table does not name {missing}"


def test_every_connection_extra_is_documented():
    rows = re.findall(r"^\s*\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", section(OPERATIONS, "Connections"), re.MULTILINE)
    documented = {name for row in rows for name in re.findall(r"`([a-z_]+)`", row)}
    fields = set(CleverReachSettings.field_names())
    assert fields <= documented, f"extras missing from docs/operations.md: {sorted(fields - documented)}"


def config_options() -> set[str]:
    """The ``[cleverreach]`` options: those the provider metadata declares, and those the code reads."""
    declared = provider_info.get_provider_info().get("config", {}).get("cleverreach", {}).get("options", {})
    options = set(declared)
    pattern = re.compile(r"""(?:conf\.get\w*\(\s*|_OPTION\s*=\s*\()"cleverreach",\s*"([a-z_]+)\"""")
    for path in PACKAGE.rglob("*.py"):
        options |= set(pattern.findall(path.read_text(encoding="utf-8")))
    for path in (REPO / "docker").glob("*.env"):
        options |= {m.lower() for m in re.findall(r"^AIRFLOW__CLEVERREACH__([A-Z_]+)=", path.read_text(), re.MULTILINE)}
    return options


def test_the_config_options_are_found():
    assert {"crm_adapter_dir", "lease_timeout_seconds", "api_pool", "api_pool_slots"} <= config_options()


def test_every_config_option_is_documented():
    table = section(OPERATIONS, "Configuration: `[cleverreach]` options")
    rows = re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \|", table, re.MULTILINE)
    documented = {name for row in rows for name in re.findall(r"`([a-z_]+)`", row)}
    missing = sorted(config_options() - documented)
    assert not missing, f"[cleverreach] options missing from docs/operations.md: {missing}"
