"""The vocabulary of the adapter manifest: what one named statement of the CRM adapter promises.

The manifest is Python rather than YAML so that it travels in the wheel with the code that relies on
it (the adapter folder is the deployment's and may be replaced; the contract is the integration's),
needs no package-data entry or parser, and keeps typed samples (timestamps, id lists) as they are bound.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Access(StrEnum):
    """Whether a statement only reads, or writes (the check runs writes in a rolled-back transaction)."""

    READ = "read"
    WRITE = "write"


class TableFamily(StrEnum):
    """Which of the CRM's data a statement touches (issue 11's kinds (a) and (b))."""

    CRM_DATA = "crm_data"  # (a) read only: tenants, contacts, addresses, vocabularies, opt-out flags
    CRM_ENTITIES = "crm_entities"  # (b) read and written: recipient lists, members, contact history


class ColumnType(StrEnum):
    """The type a result column must have. NULL always fits."""

    INTEGER = "integer"
    TEXT = "text"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"


class SampleRef(StrEnum):
    """A sample that the check takes from the tenant it checks, so that statements meet real rows."""

    TENANT = "the tenant"
    LIST = "a list of the tenant"
    CONTACT = "a contact of the tenant"


NAMED_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Statement:
    """
    One named statement of the adapter folder (``queries/<name>``).

    :param params: every parameter with a harmless sample; a list is an expanding parameter (``IN :x``),
        a :class:`SampleRef` is filled in from the checked tenant.
    :param columns: the result columns in order, with their types (empty for a write without result).
    :param dialects: the dialects that run it (empty = every dialect): a file that exists only as
        ``<name>.<dialect>.sql``.
    :param positional: bound by position (``?``, the driver's executemany) in the order of ``params``.
    :param prepare: statements run first in the same transaction (a staging table).
    """

    name: str
    access: Access
    family: TableFamily
    purpose: str
    params: Mapping[str, Any] = field(default_factory=dict)
    columns: Mapping[str, ColumnType] = field(default_factory=dict)
    dialects: tuple[str, ...] = ()
    positional: bool = False
    prepare: tuple[str, ...] = ()

    def uses(self, ref: SampleRef) -> bool:
        """Whether a parameter takes its sample from ``ref`` (alone or in a list)."""
        return any(sample is ref or (isinstance(sample, list) and ref in sample) for sample in self.params.values())

    def runs_on(self, dialect: str) -> bool:
        return not self.dialects or dialect in self.dialects

    @property
    def expanding(self) -> dict[str, type]:
        """Expanding parameters with the Python type of their elements."""
        return {name: type(_plain(sample[0])) for name, sample in self.params.items() if isinstance(sample, list)}


def _plain(sample: Any) -> Any:
    """A reference's stand-in type: the tenant is text, lists and contacts are integer ids."""
    if isinstance(sample, SampleRef):
        return "" if sample is SampleRef.TENANT else 0
    return sample


def sql_parameters(sql: str) -> set[str]:
    """The ``:name`` parameters of a SQL text (``--`` comment lines and ``::`` casts ignored)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return set(NAMED_PARAMETER.findall(body))


def positional_count(sql: str) -> int:
    """How many ``?`` placeholders a SQL text holds (outside ``--`` comment lines)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return body.count("?")


def describe_sample(sample: Any) -> str:
    """A sample as the README shows it."""
    if isinstance(sample, SampleRef):
        return str(sample)
    if isinstance(sample, StrEnum):
        return repr(str(sample))
    if isinstance(sample, list):
        return "[" + ", ".join(describe_sample(item) for item in sample) + "]"
    if isinstance(sample, datetime):
        return sample.isoformat(sep=" ")
    return repr(sample)


def markdown_table(statements: tuple[Statement, ...]) -> str:
    """The README's adapter table, one row per statement."""
    lines = [
        "| statement | does | family | parameters (sample) | result columns |",
        "|---|---|---|---|---|",
    ]
    for statement in statements:
        params = ", ".join(f"`{name}` ({describe_sample(sample)})" for name, sample in statement.params.items()) or "–"
        columns = ", ".join(f"`{name}` {kind}" for name, kind in statement.columns.items()) or "–"
        only = f" ({', '.join(statement.dialects)} only)" if statement.dialects else ""
        lines.append(
            f"| `{statement.name}`{only} | {statement.access}: {statement.purpose} | {statement.family} | {params} | {columns} |"
        )
    return "\n".join(lines)
