"""Receivers: of a group (``/v3/groups/{id}/receivers``) and account-wide (``/v3/receivers``)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..state import State
from ..web import body_json, client_ip, get_token, json_response, qint, qstr


def build_router(state: State) -> APIRouter:
    """The routes of this area, bound to ``state``."""
    router = APIRouter()

    def auth(request: Request):
        return state.authenticate(get_token(request))

    # ------------------------------------------------------------ group receivers

    @router.get("/v3/groups/{id}/receivers")
    async def receivers_list(request: Request, id: str):
        acc = auth(request)
        return json_response(state.list_receivers(
            acc, id, page=qint(request, "page", 0), pagesize=qint(request, "pagesize"),
            type_=(qstr(request, "type", "all") or "all").lower(), detail=qint(request, "detail", 0),
            email_list=qstr(request, "email_list"), id_list=qstr(request, "id_list"),
            order_by=qstr(request, "order_by"), raw=True))

    @router.post("/v3/groups/{id}/receivers")
    async def receivers_create(request: Request, id: str):
        acc = auth(request)
        return json_response(state.create_receiver(acc, id, await body_json(request), client_ip(request)))

    async def _bulk(request: Request, id: str, mode: str):
        acc = auth(request)
        return json_response(state.bulk_write(acc, id, await body_json(request), mode, client_ip(request), raw=True))

    @router.post("/v3/groups/{id}/receivers/upsert")
    async def receivers_upsert(request: Request, id: str):
        return await _bulk(request, id, "upsert")

    @router.post("/v3/groups/{id}/receivers/insert")
    async def receivers_insert(request: Request, id: str):
        return await _bulk(request, id, "insert")

    @router.post("/v3/groups/{id}/receivers/upsertplus")
    async def receivers_upsertplus(request: Request, id: str):
        return await _bulk(request, id, "upsertplus")

    @router.put("/v3/groups/{id}/receivers/update")
    async def receivers_update_bulk(request: Request, id: str):
        return await _bulk(request, id, "update")

    @router.post("/v3/groups/{id}/receivers/delete")
    async def receivers_delete_bulk(request: Request, id: str):
        acc = auth(request)
        return json_response(state.bulk_delete(acc, id, await body_json(request)))

    @router.get("/v3/groups/{id}/receivers/{receiver}")
    async def receivers_get(request: Request, id: str, receiver: str):
        acc = auth(request)
        return json_response(state.get_receiver(acc, receiver, gid=id, detail=qint(request, "detail", 0)))

    @router.put("/v3/groups/{id}/receivers/{receiver}")
    async def receivers_update(request: Request, id: str, receiver: str):
        acc = auth(request)
        return json_response(state.update_receiver(acc, id, receiver, await body_json(request), client_ip(request)))

    @router.delete("/v3/groups/{id}/receivers/{receiver}")
    async def receivers_delete(request: Request, id: str, receiver: str):
        return json_response(state.delete_receiver(auth(request), id, receiver))

    @router.put("/v3/groups/{id}/receivers/{receiver}/activate")
    async def receivers_activate(request: Request, id: str, receiver: str):
        return json_response(state.set_active(auth(request), id, receiver, True, client_ip(request)))

    @router.put("/v3/groups/{id}/receivers/{receiver}/deactivate")
    async def receivers_deactivate(request: Request, id: str, receiver: str):
        return json_response(state.set_active(auth(request), id, receiver, False, client_ip(request)))

    @router.get("/v3/groups/{id}/receivers/{receiver}/events")
    async def receivers_events(request: Request, id: str, receiver: str):
        return json_response(state.receiver_events(auth(request), receiver, gid=id))

    # ------------------------------------------------------------ global receivers

    @router.post("/v3/receivers/delete")
    async def receivers_delete_global_bulk(request: Request):
        acc = auth(request)
        return json_response(state.bulk_delete(acc, None, await body_json(request)))

    @router.get("/v3/receivers/{receiver}")
    async def receivers_get_global(request: Request, receiver: str):
        acc = auth(request)
        return json_response(state.get_receiver(acc, receiver, group_id=qstr(request, "group_id"),
                                    detail=qint(request, "detail", 0)))

    @router.delete("/v3/receivers/{receiver}")
    async def receivers_delete_global(request: Request, receiver: str):
        return json_response(state.delete_receiver_global(auth(request), receiver))

    @router.get("/v3/receivers/{receiver}/groups")
    async def receivers_groups(request: Request, receiver: str):
        return json_response(state.receiver_groups(auth(request), receiver))

    @router.get("/v3/receivers/{receiver}/events")
    async def receivers_events_global(request: Request, receiver: str):
        return json_response(state.receiver_events(auth(request), receiver))

    return router
