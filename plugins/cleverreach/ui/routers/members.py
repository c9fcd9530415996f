"""Members of a list: a keyset-paged, server-sorted table with a state filter; remove picked or all rejected.

A page is asked for by position: the first, the last, or the one after/before a boundary member
(``after=<contact id>`` / ``before=<contact id>``, the ids each page returns). The boundary is a
contact id, never its name or e-mail, so the URLs (and the API server's access log) hold no personal
data. The total per state is the list's ``member_counts`` (``GET .../lists/{id}``), read once.

Removing goes through ``cleverreach_manage_members`` (``action=remove``), so it is a run in Airflow's
history and the list is synced afterwards, exactly as from the DAG's trigger form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from cleverreach.access import CleverReachPermission as P
from cleverreach.crm.keys import InvalidKeyError, adapter_keys
from cleverreach.enums import MemberState
from cleverreach.ui.airflow_api import MANAGE_MEMBERS_DAG, AirflowApiDep
from cleverreach.ui.keyset import MemberSort
from cleverreach.ui.read_store import BoundaryGone, PagePosition, UiReadStore
from cleverreach.ui.routers.common import ListId, PageSize, in_zone, owned_list, tenant_zone
from cleverreach.ui.schemas import MAX_IDS, MemberRemoval
from cleverreach.ui.security import Caller, TenantId, tenant_caller

router = APIRouter(prefix="/tenants/{tenant_id}/lists/{list_id}/members", tags=["members"])
Viewer = Annotated[Caller, Depends(tenant_caller())]
Editor = Annotated[Caller, Depends(tenant_caller(P.MANAGE_LISTS))]


BoundaryId = Annotated[str | None, Query(min_length=1, max_length=200,
                                         description="contact key of the boundary member (an integer or text)")]


@router.get("")
def members(tenant_id: TenantId, list_id: ListId, found: Viewer,
            state: Annotated[MemberState | None, Query()] = None,
            sort: Annotated[MemberSort, Query()] = MemberSort.CONTACT,
            order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
            after: BoundaryId = None, before: BoundaryId = None,
            last: Annotated[bool, Query(description="the last page")] = False,
            page_size: PageSize = 50) -> dict[str, Any]:
    """One page: person, function, e-mail, state with the "synchronised" tick, the reason, when added.

    Ascending, people without a name, function or e-mail come first; descending is the exact reverse."""
    if sum((after is not None, before is not None, last)) > 1:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give at most one of after, before and last")
    for boundary in (after, before):
        if boundary is not None and not _is_contact_key(boundary):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                f"{boundary!r} is no contact key of this CRM ({adapter_keys().contact})")
    position = (PagePosition.AFTER if after is not None else PagePosition.BEFORE if before is not None
                else PagePosition.LAST if last else PagePosition.FIRST)
    owned_list(found.engine, tenant_id, list_id)
    try:
        result = UiReadStore(found.engine).members_page(
            tenant_id, list_id, state=state, sort=sort, descending=order == "desc", position=position,
            boundary_id=after if after is not None else before, page_size=page_size)
    except BoundaryGone as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{exc}; start again from the first page") from None
    for row in result.rows:
        row["synchronised"] = row["sync_state"] == MemberState.SYNCED
    tz = tenant_zone(found.engine, tenant_id)
    page = result.as_dict()
    return {**page, "rows": in_zone(page["rows"], tz, "added_at"), "time_zone": tz.key}


def _is_contact_key(value: str) -> bool:
    """A boundary the page may hand back: a key of the CRM's declared contact type (an integer key is positive)."""
    try:
        bound = adapter_keys().bind_contact(value)
    except InvalidKeyError:
        return False
    return not isinstance(bound, int) or bound >= 1


def _remove(api: Any, found: Caller, tenant_id: str, list_id: str, contact_ids: list[str], note: str) -> dict[str, Any]:
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
