"""``/v3/groups``: groups and their stats."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..state import State
from ..web import body_json, get_token, json_response, qstr


def build_router(state: State) -> APIRouter:
    """The routes of this area, bound to ``state``."""
    router = APIRouter()

    def auth(request: Request):
        return state.authenticate(get_token(request))

    # ------------------------------------------------------------ groups

    @router.get("/v3/groups")
    async def groups_list(request: Request):
        acc = auth(request)
        return json_response(state.list_groups(acc, qstr(request, "order")))

    @router.post("/v3/groups")
    async def groups_create(request: Request):
        acc = auth(request)
        return json_response(state.create_group(acc, await body_json(request) or {}))

    @router.get("/v3/groups/{id}")
    async def groups_get(request: Request, id: str):
        return json_response(state.get_group(auth(request), id))

    @router.put("/v3/groups/{id}")
    async def groups_update(request: Request, id: str):
        acc = auth(request)
        return json_response(state.update_group(acc, id, await body_json(request) or {}))

    @router.delete("/v3/groups/{id}")
    async def groups_delete(request: Request, id: str):
        return json_response(state.delete_group(auth(request), id))

    @router.delete("/v3/groups/{id}/clear")
    async def groups_clear(request: Request, id: str):
        return json_response(state.clear_group(auth(request), id))

    @router.get("/v3/groups/{id}/stats")
    async def groups_stats(request: Request, id: str):
        return json_response(state.group_stats(auth(request), id))

    return router
