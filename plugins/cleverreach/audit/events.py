"""One audit event and what its detail may hold: counts, flags, ids and a few vocabulary words, never the name or
e-mail address of a contact, nor a list's name (so the trail holds no data of the CRM's persons, and neither the
retention nor an erasure needs to delete it). Airflow login names appear as they do in ``actor``: the grantee of
a tenant grant. Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cleverreach.audit.actor import Actor
from cleverreach.crm.keys import as_key
from cleverreach.enums import AuditAction

# the only keys whose value may be text: ids and vocabulary, never free text
TEXT_KEYS = frozenset({"status", "language", "group_id", "triggered_dag_id", "triggered_run_id", "old_tenant_id",
                       "new_tenant_id", "account_id", "event"})
LOGIN_KEYS = frozenset({"grantee"})  # an Airflow user's login, the same kind of name as the actor's
_TOKEN = re.compile(r"^[A-Za-z0-9_.:+\-/]{0,250}$")


class AuditDetailError(ValueError):
    """A detail that could carry personal data (free text, an address) or is not plain JSON."""


def _checked(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return list(value)
    if isinstance(value, str) and key in TEXT_KEYS and _TOKEN.match(value):
        return str(value)
    if isinstance(value, str) and key in LOGIN_KEYS and 0 < len(value) <= 256 and value.isprintable():
        return str(value)
    raise AuditDetailError(f"audit detail {key!r} must be a count, a flag, ids or a vocabulary word, not {type(value).__name__}")


def detail_json(detail: Mapping[str, Any]) -> str:
    """The detail as stored: checked value by value, as sorted JSON."""
    return json.dumps({str(k): _checked(str(k), v) for k, v in detail.items()}, sort_keys=True)


@dataclass(frozen=True)
class AuditEvent:
    """What happened (``action``), to which tenant and list, by whom (``actor``, with its run), in counts and ids."""

    action: AuditAction
    tenant_id: str
    actor: Actor
    list_id: str | int | None = None  # the list's key, stored as its text (cleverreach.crm.keys)
    detail: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        detail_json(self.detail)  # refuse at once, not at the write

    def params(self, occurred_at: datetime) -> dict[str, Any]:
        """The insert's parameters (``audit_insert``)."""
        return {"occurred_at": occurred_at, "tenant_id": self.tenant_id,
                "list_id": as_key(self.list_id), "actor": self.actor.name,
                "action": str(self.action), "detail": detail_json(self.detail), "dag_id": self.actor.dag_id,
                "run_id": self.actor.run_id}


def shown(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored event as the page shows it: the detail parsed."""
    return {**row, "detail": json.loads(row["detail"] or "{}")}
