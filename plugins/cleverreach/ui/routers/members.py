"""Members of a list: a server-side paged and sorted table with a state filter; remove picked or all rejected.

Removing goes through ``cleverreach_manage_members`` (``action=remove``), so it is a run in Airflow's
history and the list is synced afterwards, exactly as from the DAG's trigger form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from cleverreach.access import CleverReachPermission as P
from cleverreach.enums import MemberState
from cleverreach.ui.airflow_api import MANAGE_MEMBERS_DAG, AirflowApiDep
from cleverreach.ui.read_store import MemberSort, UiReadStore
from cleverreach.ui.routers.common import ListId, PageNo, PageSize, owned_list
from cleverreach.ui.schemas import MAX_IDS, MemberRemoval
from cleverreach.ui.security import Caller, TenantId, tenant_caller

router = APIRouter(prefix="/tenants/{tenant_id}/lists/{list_id}/members", tags=["members"])
Viewer = Annotated[Caller, Depends(tenant_caller())]
Editor = Annotated[Caller, Depends(tenant_caller(P.MANAGE_LISTS))]


@router.get("")
def members(tenant_id: TenantId, list_id: ListId, found: Viewer,
            state: Annotated[MemberState | None, Query()] = None,
            sort: Annotated[MemberSort, Query()] = MemberSort.CONTACT,
            order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
            page: PageNo = 1, page_size: PageSize = 50) -> dict[str, Any]:
    """One page: person, function, e-mail, state with the "synchronised" tick, and the reason."""
    owned_list(found.engine, tenant_id, list_id)
    result = UiReadStore(found.engine).members_page(list_id, state=state, sort=sort, descending=order == "desc",
                                                    page=page, page_size=page_size)
    for row in result.rows:
        row["synchronised"] = row["sync_state"] == MemberState.SYNCED
    return result.as_dict()


def _remove(api: Any, found: Caller, tenant_id: str, list_id: int, contact_ids: list[int], note: str) -> dict[str, Any]:
    conf = {"tenant": tenant_id, "list_id": list_id, "action": "remove", "contact_ids": sorted(set(contact_ids))}
    return api.trigger(MANAGE_MEMBERS_DAG, conf, found.token, note=note).as_dict()


@router.post("/remove")
def remove(tenant_id: TenantId, list_id: ListId, body: MemberRemoval, found: Editor, api: AirflowApiDep) -> dict[str, Any]:
    """Remove the picked members (a ``cleverreach_manage_members`` run; it syncs the list afterwards)."""
    owned_list(found.engine, tenant_id, list_id)
    return _remove(api, found, tenant_id, list_id, body.contact_ids,
                   f"CleverReach page: remove {len(set(body.contact_ids))} member(s)")


@router.post("/remove-rejected")
def remove_rejected(tenant_id: TenantId, list_id: ListId, found: Editor, api: AirflowApiDep) -> dict[str, Any]:
    """Remove every rejected member (the seed's advice for contacts without a valid e-mail address)."""
    owned_list(found.engine, tenant_id, list_id)
    ids = UiReadStore(found.engine).member_ids_in_state(list_id, MemberState.REJECTED)
    if not ids:
        raise HTTPException(status.HTTP_409_CONFLICT, f"list {list_id} has no rejected members")
    if len(ids) > MAX_IDS:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"list {list_id} has {len(ids)} rejected members, more than {MAX_IDS} per action; "
                            f"fix their e-mail addresses in the CRM or remove them in steps")
    return {**_remove(api, found, tenant_id, list_id, ids, f"CleverReach page: remove all {len(ids)} rejected"),
            "contact_ids": len(ids)}
