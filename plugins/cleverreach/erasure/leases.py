"""An erasure holds the leases of all the tenant's lists while it erases (issue 18).

A sync holds its list's lease (a ``running`` ``sync_run`` row, unique per list; ``cleverreach.sync.ledger``) and
re-inserts what its plan holds: a sync running beside an erasure could add the erased person again. So the
erasure takes every list's lease the way a sync does (``RunLedger.start_run``: its own earlier attempt's at
once, a dead holder's after the lease timeout), before it touches anything; a list whose lease another live run
holds fails the attempt with :class:`ListLeaseBusyError` naming the list, nothing erased, and Airflow retries it.
Every lease it took is released at the end, also on failure, as a ``sync_run`` with status ``erasure`` (not a
sync: it adds, updates and removes nothing, and the sync's first-sync and removal baselines skip it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from cleverreach.audit.actor import Actor
from cleverreach.enums import RunStatus
from cleverreach.exceptions import LeaseLostError, SyncInProgressError
from cleverreach.lists.store import ListStore

log = logging.getLogger(__name__)


class ListLeaseBusyError(SyncInProgressError):
    """Another live run holds a list's lease: the erasure waits (its task is retried), nothing was erased."""


class TenantLeases:
    """The leases of all the tenant's lists, held by one erasure attempt; :meth:`heartbeat` is its fence."""

    def __init__(self, store: Any, held: dict[str, int]) -> None:
        self.store = store
        self.held = held  # list key -> sync_run id of its lease

    def heartbeat(self) -> None:
        """A sign of life on every lease; :class:`LeaseLostError` when one was taken over meanwhile."""
        with self.store.state.begin() as conn:
            for run_pk in self.held.values():
                self.store.heartbeat(conn, run_pk)


def _lease_store(engine: Engine, *, holder: str, attempt: int | None, actor: Actor, lease_timeout: timedelta) -> Any:
    from cleverreach.sync.ledger import RunLedger  # pandas: imported when the task runs, not at parse time

    return RunLedger(engine, lease_timeout=lease_timeout, holder=holder, attempt=attempt, actor=actor)


@contextmanager
def tenant_leases(engine: Engine, tenant_id: str, *, dag_id: str, run_id: str, holder: str, attempt: int | None,
                  actor: Actor, reference: str, lease_timeout: timedelta = timedelta(minutes=10),
                  logger: logging.Logger | None = None) -> Iterator[TenantLeases]:
    """Take the lease of every list of the tenant (all or none), yield them, release them whatever happens."""
    logger = logger or log
    store = _lease_store(engine, holder=holder, attempt=attempt, actor=actor, lease_timeout=lease_timeout)
    held: dict[str, int] = {}
    outcome = "failed"
    try:
        for row in ListStore(engine).lists(tenant_id):
            list_id = str(row["id"])
            try:
                held[list_id] = store.start_run(tenant_id=tenant_id, list_id=list_id, dag_id=dag_id, run_id=run_id,
                                                dry_run=False)
            except SyncInProgressError as exc:
                raise ListLeaseBusyError(
                    f"tenant {tenant_id!r}: the erasure waits for list {list_id}, whose lease another run holds "
                    f"({exc}); nothing was erased, the task is retried"
                ) from None
        logger.info("Erasure holds the leases of %d list(s) of tenant %s", len(held), tenant_id)
        yield TenantLeases(store, held)
        outcome = "done"
    finally:
        for list_id, run_pk in held.items():
            try:
                store.finish_run(run_pk, RunStatus.ERASURE, {},
                                 f"not a sync: lease held by erasure request {reference} ({outcome})")
            except LeaseLostError:
                logger.warning("Erasure: the lease of list %s was taken over before its release", list_id)
