"""Keys of the CRM, opaque to the integration: a contact's or a list's id is text inside the integration,
whatever type the CRM's column has, and is bound back in the CRM's own type.

A CRM keys its contacts by 32- or 64-bit integers, UUIDs or text; CleverReach's group ids are numbers that a
CRM may keep in a text or a numeric column. The adapter declares its types in ``adapter.toml`` beside its
``queries/`` folder::

    [keys]
    contact = "uuid"      # integer | text | uuid (default integer)
    address = "integer"   # integer | text | uuid (default integer): a company/organisation ("Adresse")
    list = "integer"      # integer | text | uuid (default integer)
    group = "integer"     # integer | text: the list's external_id column, CleverReach's group id (default text)

Inside the integration every key is the ``str`` of the CRM's value (``as_key``): ``42``, not ``42.0``; a UUID
in its lower-case canonical form; text as it is. Comparisons, the private state and the ``ext_id`` attribute
all use that text. Binding goes the other way (``bind_key``), so that an integer column is compared with an
integer and never with text (SQLite compares ``1`` and ``'1'`` as different values where no column affinity
applies; PostgreSQL refuses ``bigint = text`` for a typed parameter).
"""

from __future__ import annotations

import re
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine

from cleverreach.crm.sql import sql_roots

DECLARATION_FILE = "adapter.toml"
UUID_TEXT = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")


class KeyType(StrEnum):
    """The type of a key column in the CRM."""

    INTEGER = "integer"
    TEXT = "text"
    UUID = "uuid"


class InvalidKeyError(ValueError):
    """A value cannot be a key of the declared type (an id from a trigger form, a bad declaration)."""


@dataclass(frozen=True)
class AdapterKeys:
    """The key types the adapter declares (``adapter.toml``); the defaults fit the demo CRM."""

    contact: KeyType = KeyType.INTEGER
    list: KeyType = KeyType.INTEGER
    group: KeyType = KeyType.TEXT
    address: KeyType = KeyType.INTEGER

    def bind_contact(self, key: Any) -> int | str:
        return bind_key(key, self.contact)

    def bind_contacts(self, keys: Any) -> list[int | str]:
        return bind_keys(keys, self.contact)

    def bind_address(self, key: Any) -> int | str:
        return bind_key(key, self.address)

    def bind_addresses(self, keys: Any) -> list[int | str]:
        return bind_keys(keys, self.address)

    def bind_list(self, key: Any) -> int | str:
        return bind_key(key, self.list)

    def bind_group(self, key: Any) -> int | str:
        return bind_key(key, self.group)

    def contact_sql_type(self, dialect: str) -> TypeEngine[Any]:
        """The element type of a list parameter of contact keys (an empty list becomes an empty typed set)."""
        return key_sql_type(self.contact, dialect)

    def address_sql_type(self, dialect: str) -> TypeEngine[Any]:
        return key_sql_type(self.address, dialect)

    def list_sql_type(self, dialect: str) -> TypeEngine[Any]:
        return key_sql_type(self.list, dialect)


def as_key(value: Any) -> str | None:
    """The integration's text of a CRM key (None stays None): integers without a fraction, UUIDs canonical."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidKeyError(f"a boolean is not a key: {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        if value != value or int(value) != value:  # NaN, or a fraction
            raise InvalidKeyError(f"a key must be whole: {value!r}")
        return str(int(value))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        raise InvalidKeyError("a binary value is not a key")
    text = str(value).strip()
    if not text:
        raise InvalidKeyError("an empty key")
    return text


def bind_key(key: Any, kind: KeyType) -> int | str:
    """A key (text, or a value a trigger form sent) as the CRM's column of type ``kind`` takes it."""
    text = as_key(key)
    if text is None:
        raise InvalidKeyError("a key is missing")
    if kind is KeyType.INTEGER:
        try:
            return int(text)
        except ValueError:
            raise InvalidKeyError(f"{text!r} is not an integer key") from None
    if kind is KeyType.UUID:
        if UUID_TEXT.fullmatch(text):  # as the CRM spells it: a text column (SQLite) compares case-sensitively
            return text
        try:
            return str(uuid.UUID(text))
        except ValueError:
            raise InvalidKeyError(f"{text!r} is not a UUID key") from None
    return text


def bind_keys(keys: Iterable[Any], kind: KeyType) -> list[int | str]:
    """Many keys as :func:`bind_key` binds each: a million texts of digits become integers in one numpy
    conversion (per-key only when that conversion refuses one, which then raises as :func:`bind_key` does)."""
    values = list(keys)
    if kind is KeyType.INTEGER and values and all(type(value) is str for value in values):
        import numpy as np  # in the tasks only: DAG files import this module when they are parsed

        try:
            return np.asarray(values, dtype=object).astype(np.int64).tolist()
        except (ValueError, OverflowError, TypeError):
            pass
    if kind is KeyType.TEXT and all(type(value) is str and value and value == value.strip() for value in values):
        return values
    if kind is KeyType.UUID and values and all(type(value) is str for value in values) and _all_uuid_text(values):
        return values
    return [bind_key(value, kind) for value in values]


def _all_uuid_text(values: list[str]) -> bool:
    """Whether every value is a UUID in its 8-4-4-4-12 spelling: one Arrow regex over the lot (a million keys
    in about 0.1 s, where parsing each with ``uuid.UUID`` takes seconds)."""
    try:
        import pyarrow as pa  # in the tasks only, as numpy above
        import pyarrow.compute as pc
    except ImportError:  # not a dependency (an Airflow installed without it): the same pattern, value by value
        return all(UUID_TEXT.fullmatch(value) for value in values)  # fullmatch: no "$" before a trailing newline
    return bool(pc.all(pc.match_substring_regex(pa.array(values, type=pa.string()), UUID_TEXT.pattern)).as_py())


def key_sql_type(kind: KeyType, dialect: str) -> TypeEngine[Any]:
    """The SQL type a key of ``kind`` is bound as: bigint, text, or PostgreSQL's uuid (text elsewhere)."""
    if kind is KeyType.INTEGER:
        return BigInteger()
    if kind is KeyType.UUID and dialect == "postgresql":
        return postgresql.UUID(as_uuid=False)
    return Text()


def adapter_keys() -> AdapterKeys:
    """The key types of the adapter folder in use (``[cleverreach] crm_adapter_dir`` or the defaults)."""
    roots = sql_roots()
    return _read_declaration(roots.adapter / DECLARATION_FILE if roots.adapter is not None else None)


@lru_cache(maxsize=16)
def _read_declaration(path: Path | None) -> AdapterKeys:
    if path is None or not path.is_file():
        return AdapterKeys()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidKeyError(f"{path}: not valid TOML: {exc}") from None
    declared = data.get("keys", {})
    unknown = set(declared) - {"contact", "address", "list", "group"}
    if unknown:
        raise InvalidKeyError(f"{path}: [keys] knows contact, address, list and group, not {', '.join(sorted(unknown))}")
    values: dict[str, KeyType] = {}
    for name, raw in declared.items():
        try:
            values[name] = KeyType(str(raw).lower())
        except ValueError:
            raise InvalidKeyError(f"{path}: [keys] {name} = {raw!r}: use integer, text or uuid") from None
    if values.get("group") is KeyType.UUID:
        raise InvalidKeyError(f"{path}: [keys] group: CleverReach's group ids are numbers: use integer or text")
    return AdapterKeys(**values)
