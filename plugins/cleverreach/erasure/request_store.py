"""Erasure requests in the private state (``erasure_request``), so that no address reaches Airflow (issue 18).

The page stores what an erasure names under a random opaque reference and triggers the DAG with that reference
only: ``dag_run.conf`` and the rendered task fields, which Airflow's REST API shows to anyone who may read the
run, never hold a contact id or an address. The erasure reads the request here; when it completes, the contact
ids and addresses are purged (status and counts stay); a failed request keeps them for the retry, and the
retention purges any request older than its window (``cleverreach.housekeeping.retention``).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from cleverreach.audit.actor import Actor
from cleverreach.clock import utcnow
from cleverreach.crm.store import SqlStore
from cleverreach.enums import ErasureStatus
from cleverreach.erasure.request import ErasureRequest, ErasureRequestError

REFERENCE_PATTERN = r"^[0-9a-f]{32}$"
"""A reference is a uuid4 as 32 hex digits: nothing about the person, nothing guessable."""
_REFERENCE = re.compile(REFERENCE_PATTERN)


@dataclass(frozen=True)
class StoredErasureRequest:
    """One stored request; ``request`` is None once its data are purged."""

    reference: str
    tenant_id: str
    status: ErasureStatus
    request: ErasureRequest | None
    requested_by: str
    requested_at: Any
    counts: dict[str, Any] | None
    dag_id: str | None
    run_id: str | None
    finished_at: Any
    purged_at: Any

    def public(self) -> dict[str, Any]:
        """What the page shows: status and counts, never the contact ids or addresses."""
        return {"reference": self.reference, "tenant_id": self.tenant_id, "status": str(self.status),
                "requested_by": self.requested_by, "requested_at": self.requested_at, "counts": self.counts,
                "dag_id": self.dag_id, "dag_run_id": self.run_id, "finished_at": self.finished_at,
                "purged": self.purged_at is not None, "purged_at": self.purged_at}


def checked_reference(value: Any) -> str:
    """The reference as text, or :class:`ErasureRequestError` (a reference is no free text)."""
    reference = str(value or "").strip()
    if not _REFERENCE.match(reference):
        raise ErasureRequestError("request must be the reference of a stored erasure request (32 hex digits)")
    return reference


class ErasureRequestStore(SqlStore):
    def create(self, request: ErasureRequest, actor: Actor) -> str:
        """Store a checked request as ``pending``; returns its new reference."""
        reference = uuid.uuid4().hex
        with self.state.begin() as conn:
            conn.execute(self.q("erasure_request_insert"), {
                "id": reference, "tenant_id": request.tenant_id, "contact_ids": json.dumps(list(request.contact_ids)),
                "emails": json.dumps(list(request.emails)), "requested_by": actor.name, "now": utcnow()})
        return reference

    def get(self, reference: str) -> StoredErasureRequest | None:
        with self.state.connect() as conn:
            row = conn.execute(self.q("erasure_request_select"), {"id": reference}).mappings().first()
        if row is None:
            return None
        purged = row["contact_ids"] is None and row["emails"] is None
        request = None if purged else ErasureRequest(
            str(row["tenant_id"]), tuple(json.loads(row["contact_ids"] or "[]")), tuple(json.loads(row["emails"] or "[]")))
        return StoredErasureRequest(
            str(row["id"]), str(row["tenant_id"]), ErasureStatus(row["status"]), request, str(row["requested_by"]),
            row["requested_at"], json.loads(row["counts"]) if row["counts"] else None, row["dag_id"], row["run_id"],
            row["finished_at"], row["purged_at"])

    def start(self, reference: str, dag_id: str, run_id: str) -> bool:
        """Mark the request ``running`` by this run; False when it is done or purged (never run again)."""
        with self.state.begin() as conn:
            return conn.execute(self.q("erasure_request_start"),
                                {"id": reference, "dag_id": dag_id, "run_id": run_id}).rowcount > 0

    def done(self, reference: str, counts: dict[str, Any]) -> None:
        """Completed: keep the counts, purge the contact ids and addresses."""
        now = utcnow()
        with self.state.begin() as conn:
            conn.execute(self.q("erasure_request_done"), {"id": reference, "counts": json.dumps(counts), "now": now})

    def failed(self, reference: str, counts: dict[str, Any] | None = None) -> None:
        """Failed: the data stay for the retry (or until the retention)."""
        with self.state.begin() as conn:
            conn.execute(self.q("erasure_request_failed"),
                         {"id": reference, "counts": json.dumps(counts) if counts else None, "now": utcnow()})
