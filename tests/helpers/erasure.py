"""Erasure requests in tests: store one as the page does, and run ``cleverreach_erase_contact`` with its reference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scripts.airflow_runner import DagRunResult, run_dag

from cleverreach.audit.actor import Actor
from cleverreach.crm.migrations import migrate
from cleverreach.erasure.request import ErasureRequest
from cleverreach.erasure.request_store import ErasureRequestStore

ERASE_DAG = "cleverreach_erase_contact"


def store_request(engine: Any, tenant: str, contact_ids: Sequence[Any] = (), emails: Sequence[str] = (),
                  by: str = "admin") -> str:
    """A checked request stored as the page stores it; returns its reference."""
    migrate(engine)
    return ErasureRequestStore(engine).create(ErasureRequest.from_arguments(tenant, contact_ids, emails), Actor.user(by))


def erase(engine: Any, tenant: str, contact_ids: Sequence[Any] = (), emails: Sequence[str] = ()) -> DagRunResult:
    """Store a request and run the erasure DAG with the tenant and the reference only."""
    return run_dag(ERASE_DAG, {"tenant": tenant, "request": store_request(engine, tenant, contact_ids, emails)})
