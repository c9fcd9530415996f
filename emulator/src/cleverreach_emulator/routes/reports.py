"""Mailings, reports, bounces and the blacklist."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..state import State
from ..web import body_json, get_token, json_response, qint, qstr


def build_router(state: State) -> APIRouter:
    """The routes of this area, bound to ``state``."""
    router = APIRouter()

    def auth(request: Request):
        return state.authenticate(get_token(request))

    # ------------------------------------------------------------ mailings / reports

    @router.get("/v3/mailings")
    async def mailings_list(request: Request):
        acc = auth(request)
        return json_response(state.list_mailings(acc, (qstr(request, "state", "all") or "all").lower(),
                                     qint(request, "limit"), qint(request, "start"), qint(request, "end")))

    @router.get("/v3/mailings/{id}")
    async def mailings_get(request: Request, id: str):
        return json_response(state.get_mailing(auth(request), id))

    @router.get("/v3/mailings/{id}/links")
    async def mailings_links(request: Request, id: str):
        return json_response(state.mailing_links(auth(request), id))

    @router.get("/v3/reports")
    async def reports_list(request: Request):
        acc = auth(request)
        return json_response(state.list_reports(acc, qint(request, "page", 0), qint(request, "pagesize"),
                                    qint(request, "start"), qint(request, "end"), qstr(request, "group_id")))

    @router.get("/v3/reports/{id}")
    async def reports_get(request: Request, id: str):
        return json_response(state.get_report(auth(request), id))

    @router.get("/v3/reports/{id}/stats")
    async def reports_stats(request: Request, id: str):
        return json_response(state.report_stats(auth(request), id, "full"))

    @router.get("/v3/reports/{id}/stats/{mode}")
    async def reports_stats_mode(request: Request, id: str, mode: str):
        return json_response(state.report_stats(auth(request), id, mode.lower()))

    @router.get("/v3/reports/{id}/receivers/{state_name}")
    async def reports_receivers(request: Request, id: str, state_name: str):
        acc = auth(request)
        return json_response(state.report_receivers(
            acc, id, state_name.lower(), page=qint(request, "page", 0), pagesize=qint(request, "pagesize"),
            from_=qint(request, "from"), to=qint(request, "to"), linkid=qstr(request, "linkid"),
            detail=qint(request, "detail", 0), raw=True))

    # ------------------------------------------------------------ bounces / blacklist

    @router.get("/v3/bounces")
    async def bounces_list(request: Request):
        acc = auth(request)
        return json_response(state.list_bounces(acc, qint(request, "page", 0), qint(request, "pagesize")))

    @router.get("/v3/blacklist")
    async def blacklist_list(request: Request):
        return json_response(state.list_blacklist(auth(request)))

    @router.post("/v3/blacklist")
    async def blacklist_add(request: Request):
        acc = auth(request)
        return json_response(state.add_blacklist(acc, await body_json(request)))

    @router.get("/v3/blacklist/{email}")
    async def blacklist_get(request: Request, email: str):
        return json_response(state.get_blacklisted(auth(request), email))

    @router.delete("/v3/blacklist/{email}")
    async def blacklist_delete(request: Request, email: str):
        return json_response(state.remove_blacklist(auth(request), email))

    return router
