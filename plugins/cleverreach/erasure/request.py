"""What an erasure request names, checked, and what the erasure did: pure.

A request names contact persons (ids of the tenant) and/or e-mail addresses. The addresses to erase
in CleverReach are the given ones, the contacts' current ones, and every address the integration
ever sent for those contacts (an e-mail change leaves the old receiver behind). Addresses are
compared by the sync's one key (``cleverreach.sync.keys.email_key``: IDNA 2008, so ``straße.de`` stays
``xn--strae-oqa.de`` and never becomes ``strasse.de``), and searched for in every spelling of it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cleverreach.crm.keys import as_key
from cleverreach.email_validation import check_email
from cleverreach.email_keys import email_key, email_spellings


class ErasureRequestError(ValueError):
    """The request cannot be carried out as given; the message says why (without personal data)."""


@dataclass(frozen=True)
class ErasureRequest:
    tenant_id: str
    contact_ids: tuple[str, ...] = ()  # contact keys as text (cleverreach.crm.keys)
    emails: tuple[str, ...] = ()

    @classmethod
    def from_arguments(cls, tenant_id: Any, contact_ids: Any, emails: Any) -> ErasureRequest:
        tenant = str(tenant_id or "").strip()
        if not tenant:
            raise ErasureRequestError("tenant is required")
        ids = _list(contact_ids, "contact_ids")
        if any(isinstance(i, bool) or not isinstance(i, int | str) or (isinstance(i, int) and i < 1)
               or (isinstance(i, str) and not i.strip()) for i in ids):
            raise ErasureRequestError("contact_ids must be a list of contact keys (positive integers or text)")
        ids = [as_key(i) for i in ids]
        addresses = _list(emails, "emails")
        bad = [i for i, a in enumerate(addresses, start=1) if not isinstance(a, str) or check_email(a.strip())[1]]
        if bad:
            raise ErasureRequestError(f"emails: entries {bad} are not valid e-mail addresses")
        if not ids and not addresses:
            raise ErasureRequestError("name at least one contact id or e-mail address to erase")
        return cls(tenant, tuple(sorted(set(ids))), tuple(sorted({a.strip() for a in addresses})))


def _list(value: Any, name: str) -> list[Any]:
    if value in (None, ""):
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ErasureRequestError(f"{name} must be a list")
    return list(value)


def addresses_to_erase(request: ErasureRequest, current: Mapping[str, str | None], sent: Iterable[str | None]) -> set[str]:
    """Every address key to remove from CleverReach: given, current, and ever sent for these contacts."""
    keys = {email_key(a) for a in (*request.emails, *current.values(), *sent) if a}
    return {k for k in keys if k}


def spellings_to_search(addresses: Iterable[str | None]) -> set[str]:
    """Every spelling of these addresses to ask CleverReach for (as stored, punycode and Unicode domain)."""
    return {spelling for address in addresses for spelling in email_spellings(address)}


def matching_spellings(stored: Iterable[str | None], keys: set[str]) -> set[str]:
    """The stored spellings (as the private state holds them) whose key is one of ``keys``."""
    return {s for s in stored if s and email_key(s) in keys}


class OwnedRow(NamedTuple):
    """One ownership row of an erased person: the receiver to delete by id (when known) in its group."""

    list_id: str
    group_id: str
    email_key: str
    receiver_id: str | None


def confirmed_gone(owned: Iterable[OwnedRow], groups: Collection[str], left: Collection[tuple[str, str]]) -> list[OwnedRow]:
    """The ownership rows whose receiver is confirmed gone: its group is no longer in the account, or the group
    holds neither its receiver id nor its address key after the deletes (``left``: (group, id) and (group, key)
    of every receiver still there). Any other row stays, so that a later sync still knows the receiver is its."""
    return [row for row in owned if row.group_id not in groups or (
        (row.group_id, row.receiver_id or "") not in left and (row.group_id, row.email_key) not in left)]


@dataclass
class ErasureReport:
    """Counts only: the report and the log never repeat the personal data they erased."""

    tenant_id: str
    contacts: int = 0
    addresses: int = 0
    groups_searched: int = 0
    receivers_found: int = 0
    receivers_deleted: int = 0
    receivers_failed: int = 0
    crm: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.receivers_failed == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id, "contacts": self.contacts, "addresses": self.addresses,
            "cleverreach": {"groups_searched": self.groups_searched, "receivers_found": self.receivers_found,
                            "receivers_deleted": self.receivers_deleted, "receivers_failed": self.receivers_failed},
            "crm": dict(self.crm), "complete": self.complete,
        }
