"""What every response and every state-changing request of the page's API passes (issue 18).

Security headers on every answer: the page's script and styles are files of its own origin, so the CSP
allows no inline script; ``frame-ancestors 'self'`` (and ``X-Frame-Options: SAMEORIGIN``) because Airflow
shows the page in an iframe of its own origin, and nobody else may frame it.

Cross-site requests: the UI's session cookie authenticates the page, so a form on another site could
post with it. A POST/PUT/PATCH/DELETE is refused (403) when the browser says it comes from elsewhere
(``Sec-Fetch-Site`` other than same-origin/none, or an ``Origin`` whose host is not the request's own) and
(415) when it carries a body that is not ``application/json`` (a form cannot send JSON cross-site
without a CORS preflight, which this app never allows).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import Request, Response, status
from fastapi.responses import JSONResponse

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def cross_site_refusal(method: str, headers: dict[str, str], own_hosts: set[str]) -> tuple[int, str] | None:
    """Why a request must be refused as cross-site or as a non-JSON body, or None. ``headers`` lower-case."""
    if method.upper() not in UNSAFE_METHODS:
        return None
    fetch_site = headers.get("sec-fetch-site", "").strip().lower()
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return status.HTTP_403_FORBIDDEN, f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:20]})"
    origin = headers.get("origin")
    if origin is not None:
        host = urlsplit(origin.strip()).netloc.lower() if "://" in origin else ""
        if not host or host not in own_hosts:
            return status.HTTP_403_FORBIDDEN, "cross-site request refused (Origin is not this server)"
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    has_body = headers.get("content-length", "0").strip() not in ("", "0") or "transfer-encoding" in headers
    if (ctype or has_body) and ctype != "application/json":
        return status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "the page's API takes application/json only"
    return None


def _own_hosts(request: Request) -> set[str]:
    """The request's own host, and the configured public base URL's (behind a proxy that rewrites Host)."""
    from airflow.configuration import conf

    hosts = {request.headers.get("host", "").lower()}
    base_url = conf.get("api", "base_url", fallback=None)
    if base_url and "://" in base_url:
        hosts.add(urlsplit(base_url).netloc.lower())
    return hosts - {""}


async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """The app's middleware: refuse cross-site writes, then add the security headers to whatever answers."""
    refusal = cross_site_refusal(request.method, {k.lower(): v for k, v in request.headers.items()},
                                 _own_hosts(request))
    response: Response = JSONResponse({"detail": refusal[1]}, refusal[0]) if refusal else await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
