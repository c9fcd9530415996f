"""The typed vocabulary against the two other places that spell it: the SQL CHECK constraints and the docs."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest

import cleverreach
from cleverreach.enums import (AuditAction, ChangeAction, ChangeResult, ErasureStatus, HistoryKind, MemberState,
                               OptInPolicy, RemovalMode, RunStatus)

REPO = Path(__file__).resolve().parents[2]
# the CHECKs live with the tables: the demo CRM's (include/sql/crm) and the private state's (the package's state/)
SCHEMA_FILES = [*sorted((REPO / "include" / "sql" / "crm").glob("*.sql")),
                *sorted((Path(cleverreach.__file__).parent / "sql" / "state").glob("*.sql"))]
# the README and docs/, one text: each heading below lives in exactly one of them
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])


def check_values(column: str) -> set[str]:
    """The values of the newest ``CHECK (<column> IN (...))`` over the schema files, in order."""
    found: set[str] | None = None
    pattern = re.compile(rf"CHECK\s*\(\s*{column}\s+IN\s*\(([^)]*)\)", re.IGNORECASE)
    for path in SCHEMA_FILES:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found = set(re.findall(r"'([^']*)'", match.group(1)))
    assert found is not None, f"no CHECK on {column} in the schema files"
    return found


@pytest.mark.parametrize(("enum", "column"), [(MemberState, "sync_state"), (HistoryKind, "kind"), (AuditAction, "action"),
                                                    (ErasureStatus, "status")])
def test_enums_match_the_check_constraints(enum: type[StrEnum], column: str):
    assert {member.value for member in enum} == check_values(column)


def docs_section(heading: str) -> str:
    """The docs' text from a heading to the next heading of the same or a higher level."""
    matches = list(re.finditer(rf"^(#+) {re.escape(heading)}\s*$", DOCS, re.MULTILINE))
    assert len(matches) == 1, f"the README and docs/ have {len(matches)} headings {heading!r}, not one"
    match = matches[0]
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(DOCS, match.end())
    return DOCS[match.end(): end.start() if end else len(DOCS)]


@pytest.mark.parametrize(
    ("enum", "heading"),
    [
        (MemberState, "What `sync_state` means"),
        (RunStatus, "Reading `sync_run` and `sync_change`"),
        (ChangeAction, "Reading `sync_run` and `sync_change`"),
        (ChangeResult, "Reading `sync_run` and `sync_change`"),
        (RemovalMode, "Connections"),
        (OptInPolicy, "Connections"),
        (HistoryKind, "DAGs"),
        (AuditAction, "Audit trail"),
        (ErasureStatus, "Erasure on request"),
    ],
)
def test_the_docs_name_every_value(enum: type[StrEnum], heading: str):
    section = docs_section(heading)
    missing = [member.value for member in enum if f"`{member.value}`" not in section]
    assert not missing, f"docs section {heading!r} does not name {missing} of {enum.__name__}"
