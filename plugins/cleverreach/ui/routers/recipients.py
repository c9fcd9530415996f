"""The "add recipients" dialog: vocabularies from the CRM, a preview before anything is written, then add.

The preview runs the dialog's own selection (``MemberStore.select``, the same code the DAG runs) and
writes nothing; it shows contacts' names and e-mail addresses, so it is an editor's tool like "add"
(issue 18). "Add" triggers ``cleverreach_manage_members`` through Airflow's REST API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status

from cleverreach.access import CleverReachPermission as P
from cleverreach.members.selection import LETTERS, MemberSelection, has_usable_email
from cleverreach.members.store import MemberStore
from cleverreach.ui.airflow_api import MANAGE_MEMBERS_DAG, AirflowApiDep
from cleverreach.ui.routers.common import ListId, owned_list, refusals
from cleverreach.ui.schemas import Filters
from cleverreach.ui.security import Caller, TenantId, tenant_caller

router = APIRouter(prefix="/tenants/{tenant_id}/lists/{list_id}/recipients", tags=["recipients"])
Viewer = Annotated[Caller, Depends(tenant_caller())]
Editor = Annotated[Caller, Depends(tenant_caller(P.MANAGE_LISTS))]
PREVIEW_ROWS = 20


def _selection(tenant_id: str, list_id: str, filters: Filters) -> MemberSelection:
    with refusals():
        return MemberSelection.from_params({"tenant": tenant_id, "list_id": list_id, "action": "add", **filters.params()})


@router.get("/vocabulary")
def vocabulary(tenant_id: TenantId, list_id: ListId, found: Viewer) -> dict[str, list[str]]:
    """The tenant's tags, categories and sales processes as the CRM spells them, and the letters."""
    owned_list(found.engine, tenant_id, list_id)
    words = MemberStore(found.engine).vocabulary(tenant_id)
    return {"letter": list(LETTERS), **{kind: sorted(set(values), key=str.casefold) for kind, values in words.items()}}


@router.post("/preview")
def preview(tenant_id: TenantId, list_id: ListId, filters: Filters, found: Editor) -> dict[str, Any]:
    """How many contact persons the filters select, the first rows, and how many have no valid e-mail."""
    owned_list(found.engine, tenant_id, list_id)
    selection = _selection(tenant_id, list_id, filters)
    store = MemberStore(found.engine)
    with refusals():
        store.check_ids(selection)
        rows = store.select(selection)
    without_email = sum(1 for row in rows if not has_usable_email(row.get("email")))
    first = [{"contact_person_id": r["contact_person_id"], "name": r.get("name"), "city": r.get("city"),
              "email": r.get("email"), "valid_email": has_usable_email(r.get("email"))} for r in rows[:PREVIEW_ROWS]]
    return {"count": len(rows), "without_valid_email": without_email, "rows": first, "filters": selection.describe()}


@router.post("/add")
def add(tenant_id: TenantId, list_id: ListId, filters: Filters, found: Editor, api: AirflowApiDep) -> dict[str, Any]:
    """Trigger ``cleverreach_manage_members`` (add, then sync the list); the run shows in run history."""
    target = owned_list(found.engine, tenant_id, list_id)
    if target["remote_deleted_at"] is not None:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"list {list_id}: its CleverReach group is gone, so nobody can be added")
    selection = _selection(tenant_id, list_id, filters)
    with refusals():
        MemberStore(found.engine).check_ids(selection)
    conf = {"tenant": tenant_id, "list_id": list_id, "action": "add", "sync_after": True, **filters.params()}
    return api.trigger(MANAGE_MEMBERS_DAG, conf, found.token, note=f"CleverReach page: add ({selection.describe()})").as_dict()
