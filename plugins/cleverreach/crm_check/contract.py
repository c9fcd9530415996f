"""The vocabulary of the adapter manifest: what one named statement of the CRM adapter promises.

The manifest is Python rather than YAML so that it travels in the wheel with the code that relies on
it (the adapter folder is the deployment's and may be replaced; the contract is the integration's),
needs no package-data entry or parser, and keeps typed samples (timestamps, id lists) as they are bound.

Key columns (a contact's, a list's, an address's id, CleverReach's group id) have no fixed type: the adapter
declares them in ``adapter.toml`` (``cleverreach.crm.keys``) and the check holds each key column to that
declaration. A statement may also have SQL appended by the integration (the members page's filter, keyset
condition and order, :class:`Extension`) and may create or read a staging table (:class:`StagingTable`):
both are part of the contract, and the check runs them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cleverreach.crm.keys import AdapterKeys, KeyType
from cleverreach.ui.keyset import SORT_KEYS, MemberSort


class Access(StrEnum):
    """Whether a statement only reads, or writes (the check runs writes in a rolled-back transaction)."""

    READ = "read"
    WRITE = "write"


class TableFamily(StrEnum):
    """Which of the CRM's data a statement touches (issue 11's kinds (a) and (b))."""

    CRM_DATA = "crm_data"  # (a) read only: tenants, contacts, addresses, vocabularies, opt-out flags
    CRM_ENTITIES = "crm_entities"  # (b) read and written: recipient lists, members, contact history


class ColumnType(StrEnum):
    """The type a result column must have. NULL always fits. A key's type is the adapter's declaration."""

    INTEGER = "integer"
    TEXT = "text"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    CONTACT_KEY = "contact key"
    LIST_KEY = "list key"
    ADDRESS_KEY = "address key"
    GROUP_ID = "group id"
    OWNER_KEY = "address or contact key"  # one column for both: their common type, or text where they differ

    @property
    def is_key(self) -> bool:
        return self in KEY_DECLARATIONS

    def key_type(self, keys: AdapterKeys) -> KeyType:
        """The type the adapter declares for this key column (``adapter.toml [keys]``); a column that holds
        address and contact keys alike has their type when they share one, else text."""
        if self is ColumnType.OWNER_KEY:
            return keys.contact if keys.contact == keys.address else KeyType.TEXT
        return getattr(keys, KEY_DECLARATIONS[self])

    def describe(self) -> str:
        """As docs/crm-adapter.md shows it: a key with the types its declaration allows."""
        if not self.is_key:
            return str(self)
        if self is ColumnType.OWNER_KEY:
            return f"{self} (the type of `[keys] contact` and `address` when they agree, else text)"
        return f"{self} ({'·'.join(KEY_CHOICES[self])}, `[keys] {KEY_DECLARATIONS[self]}`)"


# which declaration of adapter.toml [keys] types a key column (OWNER_KEY: both "contact" and "address")
KEY_DECLARATIONS: dict[ColumnType, str] = {
    ColumnType.CONTACT_KEY: "contact", ColumnType.ADDRESS_KEY: "address", ColumnType.LIST_KEY: "list",
    ColumnType.GROUP_ID: "group", ColumnType.OWNER_KEY: "contact, address",
}
KEY_CHOICES: dict[ColumnType, tuple[KeyType, ...]] = {
    ColumnType.CONTACT_KEY: (KeyType.INTEGER, KeyType.TEXT, KeyType.UUID),
    ColumnType.ADDRESS_KEY: (KeyType.INTEGER, KeyType.TEXT, KeyType.UUID),
    ColumnType.LIST_KEY: (KeyType.INTEGER, KeyType.TEXT, KeyType.UUID),
    ColumnType.GROUP_ID: (KeyType.INTEGER, KeyType.TEXT),
    ColumnType.OWNER_KEY: (KeyType.INTEGER, KeyType.TEXT, KeyType.UUID),
}


class SampleRef(StrEnum):
    """A sample that names an entity: taken from the rows the adapter returns for the checked tenant (or
    made, in the declared type, where it has none), so that statements meet real rows."""

    TENANT = "the tenant"
    LIST = "a list of the tenant"
    CONTACT = "a contact of the tenant"
    ADDRESS = "an address of the tenant"
    GROUP = "a new group id"

    @property
    def key(self) -> ColumnType | None:
        """The key column type of this entity's id (None: the tenant, whose id is text)."""
        return {SampleRef.LIST: ColumnType.LIST_KEY, SampleRef.CONTACT: ColumnType.CONTACT_KEY,
                SampleRef.ADDRESS: ColumnType.ADDRESS_KEY, SampleRef.GROUP: ColumnType.GROUP_ID}.get(self)


NAMED_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@dataclass(frozen=True)
class Extension:
    """
    SQL the integration appends to a statement before it runs it: conditions ANDed to its WHERE and, with
    ``sort``, the members page's keyset condition and ORDER BY of that sort (``cleverreach.ui.keyset``).
    They name the statement's aliases (``m.`` the membership, ``p.`` the person), so those are contract too.

    :param params: the samples of the parameters the conditions add (``:state``, ``:boundary_id``).
    """

    name: str
    where: tuple[str, ...] = ()
    sort: MemberSort | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def expressions(self) -> tuple[str, ...]:
        """The aliased columns it names, in order (the adapter docs' and a verdict's words)."""
        found = [m for condition in self.where for m in re.findall(r"\b[a-z]\.\w+", condition)]
        found += [column.expression for column in SORT_KEYS[self.sort]] if self.sort is not None else []
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class StagingTable:
    """A table the adapter's statement creates for a bulk load (PostgreSQL COPY): the integration writes its
    ``columns`` by name, in this order, so name and columns are contract. ``sample`` is the row the check copies."""

    name: str
    columns: Mapping[str, ColumnType]
    sample: Mapping[str, Any]


@dataclass(frozen=True)
class Statement:
    """
    One named statement of the adapter folder (``queries/<name>``).

    :param params: every parameter with a harmless sample; a list is an expanding parameter (``IN :x``),
        a :class:`SampleRef` is filled in from the checked tenant and bound in the declared key type.
    :param columns: the result columns in order, with their types (empty for a write without result).
    :param dialects: the dialects that run it (empty = every dialect): a file that exists only as
        ``<name>.<dialect>.sql``.
    :param positional: bound by position (``?``, the driver's executemany) in the order of ``params``.
    :param prepare: statements run first in the same transaction (a staging table).
    :param extensions: what the integration appends to it; the check runs it with each one.
    :param creates: the staging table it must create.
    :param reads: the staging table it reads; the check copies ``reads.sample`` into it first.
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
    extensions: tuple[Extension, ...] = ()
    creates: StagingTable | None = None
    reads: StagingTable | None = None

    def samples(self) -> list[Any]:
        """Every sample it binds: its parameters', its extensions' and the staging row's."""
        found = list(self.params.values())
        for extension in self.extensions:
            found += extension.params.values()
        if self.reads is not None:
            found += self.reads.sample.values()
        return found

    def uses(self, ref: SampleRef) -> bool:
        """Whether a sample is taken from ``ref`` (alone or in a list)."""
        return any(sample is ref or (isinstance(sample, list) and ref in sample) for sample in self.samples())

    def runs_on(self, dialect: str) -> bool:
        return not self.dialects or dialect in self.dialects


def sql_parameters(sql: str) -> set[str]:
    """The ``:name`` parameters of a SQL text (``--`` comment lines and ``::`` casts ignored)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return set(NAMED_PARAMETER.findall(body))


def positional_count(sql: str) -> int:
    """How many ``?`` placeholders a SQL text holds (outside ``--`` comment lines)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return body.count("?")


def describe_sample(sample: Any) -> str:
    """A sample as docs/crm-adapter.md shows it."""
    if isinstance(sample, SampleRef):
        return str(sample)
    if isinstance(sample, StrEnum):
        return repr(str(sample))
    if isinstance(sample, list):
        return "[" + ", ".join(describe_sample(item) for item in sample) + "]"
    if isinstance(sample, datetime):
        return sample.isoformat(sep=" ")
    return repr(sample)


def _columns(columns: Mapping[str, ColumnType]) -> str:
    return ", ".join(f"`{name}` {kind.describe()}" for name, kind in columns.items()) or "–"


def markdown_table(statements: tuple[Statement, ...]) -> str:
    """The adapter tables of docs/crm-adapter.md: one row per statement, then what the integration appends to statements
    and the staging tables they create."""
    lines = [
        "| statement | does | family | parameters (sample) | result columns |",
        "|---|---|---|---|---|",
    ]
    for statement in statements:
        params = ", ".join(f"`{name}` ({describe_sample(sample)})" for name, sample in statement.params.items())
        if statement.reads is not None:
            params = f"{params}, " if params else ""
            params += f"a row in `{statement.reads.name}`"
        only = f" ({', '.join(statement.dialects)} only)" if statement.dialects else ""
        lines.append(f"| `{statement.name}`{only} | {statement.access}: {statement.purpose} | {statement.family} "
                     f"| {params or '–'} | {_columns(statement.columns)} |")
    lines += ["", "Appended by the integration (the check runs each statement with each line):", "",
              "| statement | appended | names |", "|---|---|---|"]
    for statement in statements:
        for extension in statement.extensions:
            where = " AND ".join(f"`{condition}`" for condition in extension.where)
            sort = f"keyset condition and ORDER BY of the sort `{extension.sort}`" if extension.sort else ""
            appended = "; ".join(part for part in (where, sort) if part)
            names = ", ".join(f"`{expression}`" for expression in extension.expressions)
            lines.append(f"| `{statement.name}` | {appended} | {names} |")
    lines += ["", "Staging tables (created by a statement, filled by the integration by column name):", "",
              "| table | created by | columns |", "|---|---|---|"]
    for statement in statements:
        if statement.creates is not None:
            lines.append(f"| `{statement.creates.name}` | `{statement.name}` | {_columns(statement.creates.columns)} |")
    return "\n".join(lines)
