"""HTTP helpers shared by the routers and the middleware: responses in CleverReach's shapes, the
token and Basic credentials of a request, query and body parsing."""

from __future__ import annotations

import base64
import json
import re
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.responses import Response

from .model import ApiError, RawJSON


_JSON_SUFFIX = re.compile(r"\.json(?=/|$)")


def normalise_path(path: str) -> str:
    path = _JSON_SUFFIX.sub("", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> Response:
    if isinstance(data, RawJSON):
        content = data.encode("utf-8")
    else:
        content = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def error_response(status: int, message: str | None = None, headers: dict | None = None) -> Response:
    if message is None:
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = "Error"
    return json_response({"error": {"code": status, "message": message}}, status, headers)


_HTML_PAGE = ("<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
              "<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
              "</body>\r\n</html>\r\n")


def html_error(status: int, headers: dict | None = None) -> Response:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return Response(_HTML_PAGE.format(status=status, phrase=phrase).encode(), status_code=status,
                    media_type="text/html; charset=utf-8", headers=headers)


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    parts = header.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(parts[1].strip()).decode("utf-8")
    except Exception:
        return None
    if ":" not in decoded:
        return None
    cid, secret = decoded.split(":", 1)
    return cid, secret


def token_from_scope(scope: dict, headers: dict) -> str | None:
    auth = headers.get("authorization")
    if auth:
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() == "bearer":
            return parts[1].strip()
    qs = scope.get("query_string", b"").decode("latin-1")
    for k, v in parse_qsl(qs, keep_blank_values=True):
        if k == "token":
            return v
    return None


def mask_query(qs: str) -> str:
    if "token=" not in qs:
        return qs
    parts = []
    for part in qs.split("&"):
        if part.split("=", 1)[0] == "token":
            part = "token=***"
        parts.append(part)
    return "&".join(parts)


def get_token(request: Request) -> str | None:
    return token_from_scope(request.scope, {"authorization": request.headers.get("authorization", "")})


def qint(request: Request, name: str, default: int | None = None) -> int | None:
    v = request.query_params.get(name)
    if v is None or v.strip() == "":
        return default
    try:
        return int(v)
    except ValueError:
        raise ApiError(400, f"Bad Request: invalid {name}") from None


def qstr(request: Request, name: str, default: str | None = None) -> str | None:
    v = request.query_params.get(name)
    return default if v is None or v == "" else v


async def body_json(request: Request) -> Any:
    if "cr.json" in request.scope:
        return request.scope["cr.json"]
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "Bad Request: invalid JSON") from None


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "127.0.0.1"
