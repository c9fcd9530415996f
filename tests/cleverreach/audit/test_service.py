"""The audit trail read back (``AuditTrail``): newest first in keyset pages, of a tenant or of one list."""

from __future__ import annotations

import pytest

from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.service import AuditTrail
from cleverreach.audit.store import AuditStore
from cleverreach.enums import AuditAction

RUN = Actor.of(None, "cleverreach_import_lists", "scheduled__2026-01-01")


def test_pages_of_a_tenant_and_of_one_list(engine):
    store = AuditStore(engine)
    for i in range(5):
        store.add(AuditEvent(AuditAction.MEMBERS_ADDED, "acme", RUN, 1 if i % 2 else 2, {"added": i}))
    store.add(AuditEvent(AuditAction.MEMBERS_ADDED, "beta", RUN, 3, {"added": 9}))
    trail = AuditTrail(engine)
    newest = trail.page("acme", limit=2)
    assert [r["detail"]["added"] for r in newest.rows] == [4, 3] and newest.after is None
    older = trail.page("acme", limit=2, before=newest.before)
    oldest = trail.page("acme", limit=2, before=older.before)
    assert [r["detail"]["added"] for r in older.rows + oldest.rows] == [2, 1, 0] and oldest.before is None
    assert [r["detail"]["added"] for r in trail.page("acme", limit=2, after=oldest.after).rows] == [2, 1]
    assert [r["detail"]["added"] for r in trail.page("acme", list_id=1).rows] == [3, 1]
    assert [r["tenant_id"] for r in trail.page("beta").rows] == ["beta"]
    with pytest.raises(ValueError):
        trail.page("acme", before=1, after=1)
