"""Sync a list: a dry run that stores the plan, the plan itself, "apply", and approving a blocked plan.

Each action triggers ``cleverreach_sync_recipients`` for the one list through Airflow's REST API (``dry_run``).
The plan is read from ``sync_run`` / ``sync_change``, where every run stores it.

An approval is the one way past the mass-removal guard, and no conf grants it (issue 18): the approving admin's
record in ``sync_approval`` (``cleverreach.sync.approval``), bound to the Airflow run this endpoint triggers with a
run id it chooses, written before the run exists and withdrawn if Airflow refuses the trigger. It is audited
(``sync_approved``) by the approving user, with the blocked run and the Airflow run it started.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status

from cleverreach.access import CleverReachPermission as P
from cleverreach.audit.actor import Actor
from cleverreach.audit.events import AuditEvent
from cleverreach.audit.store import AuditStore
from cleverreach.clock import utcnow
from cleverreach.enums import AuditAction, ChangeAction, RunStatus
from cleverreach.sync.approval_store import SyncApprovalStore
from cleverreach.tenants.store import TenantStore
from cleverreach.ui.airflow_api import SYNC_RECIPIENTS_DAG, AirflowApiDep
from cleverreach.ui.read_store import UiReadStore
from cleverreach.ui.routers.common import ListId, PageNo, PageSize, owned_list, zoned
from cleverreach.ui.routers.lists import RUN_TIMES, with_link
from cleverreach.ui.schemas import Approval, SyncRequest
from cleverreach.ui.security import Caller, TenantId, tenant_caller

router = APIRouter(prefix="/tenants/{tenant_id}/lists/{list_id}/sync", tags=["sync"])
Viewer = Annotated[Caller, Depends(tenant_caller())]
Syncer = Annotated[Caller, Depends(tenant_caller(P.RUN_SYNCS))]
Approver = Annotated[Caller, Depends(tenant_caller(P.APPROVE_MASS_REMOVAL))]
RunPk = Annotated[int, Path(ge=1, le=2**31 - 1, description="sync_run.id")]


@router.get("/runs")
def runs(tenant_id: TenantId, list_id: ListId, found: Viewer,
         limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict[str, Any]]:
    """The list's latest sync runs, newest first, each linked to its Airflow run."""
    owned_list(found.engine, tenant_id, list_id)
    runs = UiReadStore(found.engine).sync_runs(tenant_id, list_id, limit=limit)
    tz = TenantStore(found.engine).zone(tenant_id)
    return [with_link(zoned(run, tz, *RUN_TIMES)) for run in runs]


@router.get("/runs/{run_pk}")
def plan(tenant_id: TenantId, list_id: ListId, run_pk: RunPk, found: Viewer,
         action: Annotated[ChangeAction | None, Query()] = None,
         page: PageNo = 1, page_size: PageSize = 50) -> dict[str, Any]:
    """A run's stored plan: counts per action and one page of changes with their reasons."""
    owned_list(found.engine, tenant_id, list_id)
    reads = UiReadStore(found.engine)
    run = reads.sync_run(tenant_id, list_id, run_pk)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"sync run {run_pk} does not exist for list {list_id}")
    tz = TenantStore(found.engine).zone(tenant_id)
    return {"run": with_link(zoned(run, tz, *RUN_TIMES)), "time_zone": tz.key, "counts": reads.change_counts(run_pk),
            "changes": reads.changes_page(run_pk, action=action, page=page, page_size=page_size).as_dict()}


@router.post("")
def sync(tenant_id: TenantId, list_id: ListId, body: SyncRequest, found: Syncer, api: AirflowApiDep) -> dict[str, Any]:
    """A dry run (plan only) or a real sync of this list."""
    owned_list(found.engine, tenant_id, list_id)
    conf = {"tenant": tenant_id, "list_id": list_id, "dry_run": body.dry_run, "full_reconcile": body.full_reconcile}
    note = "CleverReach page: dry run" if body.dry_run else "CleverReach page: apply"
    return api.trigger(SYNC_RECIPIENTS_DAG, conf, found.token, note=note).as_dict()


@router.post("/approve")
def approve(tenant_id: TenantId, list_id: ListId, body: Approval, found: Approver, api: AirflowApiDep) -> dict[str, Any]:
    """Apply a plan the mass-removal guard blocked: only the list's latest run, and only if it is blocked."""
    owned_list(found.engine, tenant_id, list_id)
    reads = UiReadStore(found.engine)
    run = reads.sync_run(tenant_id, list_id, body.sync_run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"sync run {body.sync_run_id} does not exist for list {list_id}")
    latest = reads.sync_runs(tenant_id, list_id, limit=1)
    if run["status"] != RunStatus.BLOCKED or latest[0]["id"] != run["id"]:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"sync run {body.sync_run_id} is {run['status']!r}, not the list's latest blocked run; "
                            f"only the latest blocked plan can be approved")
    conf = {"tenant": tenant_id, "list_id": list_id, "dry_run": False}
    run_id = approval_run_id()
    approvals = SyncApprovalStore(found.engine)
    approval_id = approvals.create(  # before the run exists: however fast it starts, it finds its approval
        tenant_id=tenant_id, list_id=list_id, blocked_sync_run_id=int(run["id"]),
        max_removals=int(run.get("removed") or 0), approver=Actor.user(found.name), dag_id=SYNC_RECIPIENTS_DAG,
        dag_run_id=run_id)
    try:
        started = api.trigger(SYNC_RECIPIENTS_DAG, conf, found.token, run_id=run_id,
                              note=f"CleverReach page: mass removal approved (blocked sync_run {run['id']})")
    except BaseException:
        approvals.withdraw(approval_id)
        raise
    AuditStore(found.engine).add(AuditEvent(  # the decision is the approver's; the run it started acts as them too
        AuditAction.SYNC_APPROVED, tenant_id, Actor.user(found.name, started.dag_id, started.run_id), list_id,
        {"sync_run_id": int(run["id"]), "planned_removals": int(run.get("removed") or 0), "approval_id": approval_id}))
    return {**started.as_dict(), "approval_id": approval_id}


def approval_run_id() -> str:
    """The id of the run an approval is bound to: chosen here, unguessable, so no one triggers it first."""
    return f"approved__{utcnow().strftime('%Y-%m-%dT%H:%M:%S')}_{secrets.token_hex(8)}"
