"""Attributes: global (``/v3/attributes``) and group-local (``/v3/groups/{id}/attributes``)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..state import State
from ..web import body_json, get_token, json_response, qstr


def build_router(state: State) -> APIRouter:
    """The routes of this area, bound to ``state``."""
    router = APIRouter()

    def auth(request: Request):
        return state.authenticate(get_token(request))

    @router.get("/v3/groups/{id}/attributes")
    async def group_attrs_list(request: Request, id: str):
        return json_response(state.list_attributes(auth(request), id))

    @router.post("/v3/groups/{id}/attributes")
    async def group_attrs_create(request: Request, id: str):
        acc = auth(request)
        return json_response(state.create_attribute(acc, await body_json(request), id))

    @router.get("/v3/groups/{id}/attributes/{attribute_id}")
    async def group_attrs_get(request: Request, id: str, attribute_id: str):
        return json_response(state.get_attribute(auth(request), attribute_id, id))

    @router.put("/v3/groups/{id}/attributes/{attribute_id}")
    async def group_attrs_update(request: Request, id: str, attribute_id: str):
        acc = auth(request)
        return json_response(state.update_attribute(acc, attribute_id, await body_json(request), id))

    @router.delete("/v3/groups/{id}/attributes/{attribute_id}")
    async def group_attrs_delete(request: Request, id: str, attribute_id: str):
        return json_response(state.delete_attribute(auth(request), attribute_id, id))

    # ------------------------------------------------------------ attributes

    @router.get("/v3/attributes")
    async def attrs_list(request: Request):
        return json_response(state.list_attributes(auth(request), qstr(request, "group_id")))

    @router.post("/v3/attributes")
    async def attrs_create(request: Request):
        acc = auth(request)
        body = await body_json(request)
        gid = qstr(request, "group_id")
        if gid is None and isinstance(body, dict):
            gid = body.get("group_id")
        return json_response(state.create_attribute(acc, body, gid))

    @router.get("/v3/attributes/limits")
    async def attrs_limits(request: Request):
        return json_response(state.attribute_limits(auth(request)))

    @router.get("/v3/attributes/{attribute_id}")
    async def attrs_get(request: Request, attribute_id: str):
        return json_response(state.get_attribute(auth(request), attribute_id))

    @router.put("/v3/attributes/{attribute_id}")
    async def attrs_update(request: Request, attribute_id: str):
        acc = auth(request)
        return json_response(state.update_attribute(acc, attribute_id, await body_json(request)))

    @router.delete("/v3/attributes/{attribute_id}")
    async def attrs_delete(request: Request, attribute_id: str):
        return json_response(state.delete_attribute(auth(request), attribute_id))

    return router
