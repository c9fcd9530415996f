"""What the "Empfänger hinzufügen" dialog selects: the trigger form's params, parsed and checked. Pure.

Address filters (``letter``, ``tag``, ``category``, ``sales_process``, ``search``, ``address_ids``) select
addresses, combined with AND; the persons selected are the contact persons of those addresses.
``contact_ids`` picks persons directly and, next to address filters, narrows them (AND). Without any filter
nothing is selected: adding a whole tenant by accident is not something the dialog allows.

The text rules live here rather than in SQL because the dialects disagree: SQLite's ``lower()`` folds only
ASCII while PostgreSQL's follows the database locale, so "ärzte" would find "Ärztehaus" on one and not on
the other. The database only narrows, with dialect-neutral conditions (exact stored spellings resolved
here, a LIKE pre-filter that is a superset); Python decides.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cleverreach.crm.keys import InvalidKeyError, as_key
from cleverreach.email_validation import check_email


LETTERS: tuple[str, ...] = (*string.ascii_uppercase, "0-9")
ACTIONS: tuple[str, ...] = ("add", "remove")

# Latin letters that NFKD does not decompose into a base letter plus accents.
_BASE_LETTER = {
    "ß": "S", "ẞ": "S", "æ": "A", "Æ": "A", "ø": "O", "Ø": "O", "œ": "O", "Œ": "O", "ł": "L", "Ł": "L",
    "đ": "D", "Đ": "D", "ð": "D", "Ð": "D", "þ": "T", "Þ": "T", "ı": "I",
}
_LIKE_SPECIAL = "\\%_"
_MAX_IDS_SHOWN = 20


class SelectionError(ValueError):
    """The params do not describe a selection the dialog allows; the message tells the user why."""


# ---------------------------------------------------------------------- text rules
def initial_letter(name: str | None) -> str | None:
    """
    The alphabet tab an address name is filed under: "A"–"Z", "0-9", or None.

    Leading blanks and punctuation are skipped ("  Müller", "„Zur Post“"); accents and umlauts fall to
    their base letter (Ä→A, É→E, ß→S); a digit files under "0-9" ("1. FC"). A name that starts with a
    non-Latin letter (Cyrillic, Greek, …) is under no tab.
    """
    for char in name or "":
        if not char.isalnum():
            continue
        base = _BASE_LETTER.get(char) or unicodedata.normalize("NFKD", char)[:1]
        if base.isdigit():
            return "0-9"
        if base.isascii() and base.isalpha():
            return base.upper()
        return None
    return None


def like_prefilter(text: str) -> str:
    """
    A LIKE pattern (``ESCAPE '\\'``) for ``lower(column)`` that finds every value containing ``text``.

    The user's text is taken literally: LIKE's own characters ``\\``, ``%`` and ``_`` are escaped. ASCII is
    lowered; any other character becomes ``_`` (one character of any case), because SQLite's ``lower()``
    does not fold it. The pattern therefore finds a superset; ``contains_text`` decides.
    """
    pattern = []
    for char in text:
        if not char.isascii():
            pattern.append("_")
        elif char in _LIKE_SPECIAL:
            pattern.append("\\" + char)
        else:
            pattern.append(char.lower())
    return "%" + "".join(pattern) + "%"


def contains_text(needle: str, *values: str | None) -> bool:
    """Whether any value contains ``needle``, ignoring case (Unicode lower case, the same on every dialect)."""
    wanted = needle.lower()
    return any(value is not None and wanted in value.lower() for value in values)


def resolve_spellings(wanted: str, stored: Iterable[str | None]) -> tuple[str, ...]:
    """The stored values equal to ``wanted`` ignoring case and surrounding blanks ("vip" → "VIP", "Vip")."""
    key = wanted.strip().casefold()
    return tuple(sorted({value for value in stored if value is not None and value.strip().casefold() == key}))


def has_usable_email(email: str | None) -> bool:
    """What the sync will accept: present and syntactically valid (the sync's own check, no DNS)."""
    if email is None or not email.strip():
        return False
    return check_email(email.strip())[1] is None


def key_order(key: Any) -> tuple[int, int, str]:
    """Keys in their natural order: numbers by value (as before keys were text), then text."""
    text = str(key)
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def format_ids(ids: Iterable[Any], limit: int = _MAX_IDS_SHOWN) -> str:
    """``1, 2, 3`` — cut after ``limit`` ids so that a log line stays a line."""
    ids = sorted(ids, key=key_order)
    shown = ", ".join(str(i) for i in ids[:limit])
    return shown + (f" … ({len(ids)} in all)" if len(ids) > limit else "")


# ---------------------------------------------------------------------- params
def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SelectionError(f"{name} must be text, got {value!r}")
    return value.strip() or None


def _key(value: Any, name: str) -> str | None:
    """One key from the form: an integer or text (``as_key``); anything else is refused."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SelectionError(f"{name} must be the key of a recipient list (an integer or text), got {value!r}")
    try:
        return as_key(value)
    except InvalidKeyError as exc:
        raise SelectionError(f"{name}: {exc}") from None


def _ids(params: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A list of keys from the form, integers or text (``[5, 7]``, ``["A-17"]``), as text, in key order."""
    value = params.get(name)
    if value is None or value == "":
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise SelectionError(f"{name} must be a list of ids (integers or text), got {value!r}")
    ids = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str) or (isinstance(item, str) and not item.strip()):
            raise SelectionError(f"{name} must be a list of ids (integers or text), got {item!r} in it")
        ids.add(as_key(item))
    return tuple(sorted(ids, key=key_order))


@dataclass(frozen=True)
class MemberSelection:
    """The dialog's input. Construction checks it, so an instance is always a selection the dialog allows."""

    tenant_id: str
    list_id: str  # keys are text (cleverreach.crm.keys)
    action: str = "add"
    letter: str | None = None
    tag: str | None = None
    category: str | None = None
    sales_process: str | None = None
    search: str | None = None
    address_ids: tuple[str, ...] = ()
    contact_ids: tuple[str, ...] = ()
    sync_after: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.tenant_id, str) or not self.tenant_id.strip():
            raise SelectionError("tenant is required: the CRM tenant id (Mandant) the list belongs to")
        if isinstance(self.list_id, int) and not isinstance(self.list_id, bool) and self.list_id > 0:
            object.__setattr__(self, "list_id", as_key(self.list_id))  # keys are text; a form may send a number
        for name in ("address_ids", "contact_ids"):
            object.__setattr__(self, name, _ids({name: getattr(self, name)}, name))
        if not isinstance(self.list_id, str) or not self.list_id:
            raise SelectionError(f"list_id must be the key of a recipient list (an integer or text), got {self.list_id!r}")
        if self.action not in ACTIONS:
            raise SelectionError(f"action must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        if self.letter is not None and self.letter not in LETTERS:
            raise SelectionError(f"letter must be one of A–Z or 0-9, got {self.letter!r}")
        if not self.has_filter:
            raise SelectionError(
                f"no filter given: choose a letter, tag, category, sales process, search text, address ids or "
                f"contact ids; refusing to {self.action} every contact person of tenant {self.tenant_id!r}"
            )

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MemberSelection:
        """Parse the DAG run's params (already JSON-schema checked by Airflow; checked again here)."""
        list_id = _key(params.get("list_id"), "list_id")
        letter = _text(params, "letter")
        return cls(
            tenant_id=(_text(params, "tenant") or ""),
            list_id=list_id,  # type: ignore[arg-type] - checked in __post_init__
            action=(_text(params, "action") or "add").lower(),
            letter=letter.upper() if letter else None,
            tag=_text(params, "tag"),
            category=_text(params, "category"),
            sales_process=_text(params, "sales_process"),
            search=_text(params, "search"),
            address_ids=_ids(params, "address_ids"),
            contact_ids=_ids(params, "contact_ids"),
            sync_after=params.get("sync_after", True) is not False,
        )

    @property
    def by_address(self) -> bool:
        """Whether addresses are filtered (then only persons at a matching address of the tenant count)."""
        return any((self.letter, self.tag, self.category, self.sales_process, self.search, self.address_ids))

    @property
    def has_filter(self) -> bool:
        return self.by_address or bool(self.contact_ids)

    def describe(self) -> str:
        """The filters for the log, e.g. ``category='Kunde', letter=A``."""
        parts = [f"{name}={value!r}" for name, value in (
            ("letter", self.letter), ("tag", self.tag), ("category", self.category),
            ("sales_process", self.sales_process), ("search", self.search),
        ) if value is not None]
        parts += [f"{name}=[{format_ids(ids)}]" for name, ids in (
            ("address_ids", self.address_ids), ("contact_ids", self.contact_ids),
        ) if ids]
        return ", ".join(parts)

    def accepts(self, row: Mapping[str, Any]) -> bool:
        """The Python half of the filter, on a candidate row from SQL (``name``, ``matchcode``, ``city``)."""
        if self.by_address and row.get("address_id") is None:
            return False
        if self.letter is not None and initial_letter(row.get("name")) != self.letter:
            return False
        if self.search is not None:
            return contains_text(self.search, row.get("name"), row.get("matchcode"), row.get("city"))
        return True

    def sync_conf(self) -> dict[str, Any] | None:
        """The conf of the sync run to trigger afterwards, or None when the form says not to."""
        return {"tenant": self.tenant_id, "list_id": self.list_id} if self.sync_after else None


def id_problems(selection: MemberSelection, owners: Iterable[Mapping[str, Any]]) -> str | None:
    """
    Why the given ids cannot be used, or None. ``owners`` are rows ``kind`` (address/contact), ``id``,
    ``tenant_id`` for the ids that exist. Another tenant is never named.
    """
    found: dict[tuple[str, str], str] = {(row["kind"], as_key(row["id"])): row["tenant_id"] for row in owners}
    problems = []
    for kind, name, ids in (
        ("address", "address_ids", selection.address_ids),
        ("contact", "contact_ids", selection.contact_ids),
    ):
        unknown = [i for i in ids if (kind, i) not in found]
        foreign = [i for i in ids if (kind, i) in found and found[(kind, i)] != selection.tenant_id]
        if foreign:
            problems.append(f"{name} of another tenant: {format_ids(foreign)}")
        if unknown:
            problems.append(f"unknown {name}: {format_ids(unknown)}")
    if not problems:
        return None
    return f"tenant {selection.tenant_id!r}: " + "; ".join(problems) + ". Nothing was changed."


# ---------------------------------------------------------------------- result
@dataclass(frozen=True)
class MemberChange:
    """What a run did to a list: counts for the return value, one readable line for the log (ids, never e-mails)."""

    selection: MemberSelection
    list_name: str
    matched: int
    added: tuple[str, ...] = ()
    already_present: int = 0
    removed: int = 0
    not_on_list: int = 0
    without_email: tuple[str, ...] = ()  # added persons without a usable e-mail address

    def counts(self) -> dict[str, Any]:
        return {
            "tenant_id": self.selection.tenant_id,
            "list_id": self.selection.list_id,
            "action": self.selection.action,
            "matched": self.matched,
            "added": len(self.added),
            "already_present": self.already_present,
            "removed": self.removed,
            "not_on_list": self.not_on_list,
            "without_valid_email": len(self.without_email),
        }

    def message(self) -> str:
        s = self.selection
        head = (
            f"Tenant {s.tenant_id}, list {s.list_id} ({self.list_name}): {self.matched} contact person(s) "
            f"matched ({s.describe()})"
        )
        if s.action == "add":
            text = f"{head}; added {len(self.added)}, {self.already_present} already on the list."
            if self.without_email:
                text += (
                    f" {len(self.without_email)} of the added have no usable e-mail address (missing or invalid):"
                    f" the sync will reject them, since CleverReach only takes valid addresses"
                    f" (contact ids {format_ids(self.without_email)})."
                )
            return text
        return (
            f"{head}; removed {self.removed}, {self.not_on_list} were not on the list."
            + (" The next sync removes them from the CleverReach group." if self.removed else "")
        )
