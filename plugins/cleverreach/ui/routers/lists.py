"""One list: local name, short description and translations (editable), external id, remote count, last sync."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status

from cleverreach.access import CleverReachPermission as P
from cleverreach.lists.store import ListStore
from cleverreach.ui.airflow_api import run_link
from cleverreach.ui.read_store import UiReadStore
from cleverreach.ui.routers.common import ListId, in_zone, owned_list, refusals, tenant_zone, zoned
from cleverreach.ui.schemas import LANGUAGE_PATTERN, ListEdit, TranslationEdit
from cleverreach.ui.security import Caller, TenantId, tenant_caller

router = APIRouter(prefix="/tenants/{tenant_id}/lists/{list_id}", tags=["lists"])
Language = Annotated[str, Path(pattern=LANGUAGE_PATTERN, description="ISO 639 language code, e.g. de, en, fr-CH")]
Viewer = Annotated[Caller, Depends(tenant_caller())]
Editor = Annotated[Caller, Depends(tenant_caller(P.MANAGE_LISTS))]
LIST_TIMES = ("remote_deleted_at",)  # the times a list row carries
RUN_TIMES = ("started_at", "finished_at")


def with_link(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """A sync run with the link to its Airflow run (when it has one)."""
    if run is None:
        return None
    link = run_link(run["dag_id"], run["run_id"]) if run.get("dag_id") and run.get("run_id") else None
    return {**run, "link": link}


@router.get("")
def list_detail(tenant_id: TenantId, list_id: ListId, found: Viewer) -> dict[str, Any]:
    row = owned_list(found.engine, tenant_id, list_id)
    reads = UiReadStore(found.engine)
    runs = reads.sync_runs(tenant_id, list_id, limit=1)
    tz = tenant_zone(found.engine, tenant_id)
    return {
        **zoned(row, tz, *LIST_TIMES),
        "translations": in_zone(ListStore(found.engine).translations(tenant_id, list_id), tz, "changed_at"),
        "member_counts": reads.member_counts(list_id, tenant_id),
        "last_sync": with_link(zoned(runs[0], tz, *RUN_TIMES) if runs else None),
    }


@router.put("")
def edit_list(tenant_id: TenantId, list_id: ListId, body: ListEdit, found: Editor) -> dict[str, Any]:
    """Rename the list locally (CleverReach's group keeps its name; the import keeps the local one)."""
    with refusals():
        ListStore(found.engine).update_local(tenant_id, list_id, name=body.name,
                                             short_description=body.short_description, actor=found.actor)
    return zoned(owned_list(found.engine, tenant_id, list_id), tenant_zone(found.engine, tenant_id), *LIST_TIMES)


@router.put("/translations/{language}")
def set_translation(tenant_id: TenantId, list_id: ListId, language: Language, body: TranslationEdit,
                    found: Editor) -> list[dict[str, Any]]:
    store = ListStore(found.engine)
    with refusals():
        store.set_translation(tenant_id, list_id, language, name=body.name,
                              short_description=body.short_description, actor=found.actor)
        return in_zone(store.translations(tenant_id, list_id), tenant_zone(found.engine, tenant_id), "changed_at")


@router.delete("/translations/{language}", status_code=status.HTTP_204_NO_CONTENT)
def delete_translation(tenant_id: TenantId, list_id: ListId, language: Language, found: Editor) -> Response:
    with refusals():
        if not ListStore(found.engine).delete_translation(tenant_id, list_id, language, found.actor):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"list {list_id} has no translation {language!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
