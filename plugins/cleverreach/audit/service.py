"""Reading the audit trail back: keyset pages of a tenant's events (or one list's), newest first.

A page is asked for by position, as the members page is: the newest, or the one older than (``before``) or newer
than (``after``) an event id that an earlier page returned. Each answer names the ids to page on, None at an end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from cleverreach.audit.events import shown
from cleverreach.audit.store import AuditStore


@dataclass(frozen=True)
class AuditPage:
    """Events newest first; ``before``/``after``: the ids to ask for the older/newer page with, None at an end."""

    rows: list[dict[str, Any]]
    limit: int
    before: int | None
    after: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "limit": self.limit, "before": self.before, "after": self.after}


class AuditTrail:
    def __init__(self, engine: Engine) -> None:
        self.store = AuditStore(engine)

    def page(self, tenant_id: str, *, list_id: str | None = None, before: int | None = None,
             after: int | None = None, limit: int = 50) -> AuditPage:
        """One page; at most one of ``before`` and ``after``. Reads one row more than it shows, to know if there is more."""
        if before is not None and after is not None:
            raise ValueError("give at most one of before and after")
        if after is None:
            rows = self.store.older(tenant_id, list_id, before, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            newer = rows[0]["id"] if rows and before is not None else before
            older = rows[-1]["id"] if rows and more else None
        else:
            rows = self.store.newer(tenant_id, list_id, after, limit + 1)
            more = len(rows) > limit
            rows = list(reversed(rows[:limit]))
            newer = rows[0]["id"] if rows and more else None
            older = rows[-1]["id"] if rows else after
        return AuditPage([shown(row) for row in rows], limit, older, newer)
