"""Hook-level lineage of the CleverReach hook, for OpenLineage (or any hook lineage reader) where it is installed.

Every successful :meth:`CleverReachHook.request <cleverreach.hooks.cleverreach.CleverReachHook.request>` passes
through :func:`record_call`, which tells Airflow's hook lineage collector what the call read or wrote:

========================================================  ======  =========================
call                                                      kind    dataset name
========================================================  ======  =========================
``GET groups/<id>/receivers``                             input   ``groups/<id>/receivers``
``POST groups/<id>/receivers/insert|upsert|delete``       output  ``groups/<id>/receivers``
``PUT groups/<id>/receivers/<receiver>/(de)activate``     output  ``groups/<id>/receivers``
``GET reports/<id>/receivers/<state>``, ``.../stats*``    input   ``reports/<id>``
``GET mailings``, ``GET mailings/<id>``                   input   ``mailings``
========================================================  ======  =========================

The namespace is ``cleverreach://<account id>`` once the hook has called ``debug/whoami`` (the operators always
do, first), else ``cleverreach://<API host>``; the asset's URI is ``<namespace>/<name>``. Only ids of groups and
mailings appear: a call whose path carries anything else (an e-mail address, a receiver id) names no receiver,
and any other call (login, groups, attributes) records nothing. With no lineage reader installed, Airflow's
collector is a no-op. Lineage never fails a call.
"""

from __future__ import annotations

import logging
import re
from typing import Any, TypeVar
from urllib.parse import urlsplit

from airflow.sdk.lineage import get_hook_lineage_collector

log = logging.getLogger(__name__)
SCHEME = "cleverreach"
ACCOUNT_ATTRIBUTE = "lineage_account_id"  # set on the hook from its whoami answer (only the id is kept)
INPUT, OUTPUT = "input", "output"

_ID = r"(?P<id>[0-9A-Za-z_.~-]+)"  # a group's or a mailing's id: no '@', no '%' (an encoded address), no '/'
_RULES: tuple[tuple[str, re.Pattern[str], str, str], ...] = (
    ("GET", re.compile(rf"groups/{_ID}/receivers"), INPUT, "groups/{id}/receivers"),
    ("POST", re.compile(rf"groups/{_ID}/receivers/(?:insert|upsert|delete)"), OUTPUT, "groups/{id}/receivers"),
    ("PUT", re.compile(rf"groups/{_ID}/receivers/[^/]+/(?:activate|deactivate)"), OUTPUT, "groups/{id}/receivers"),
    ("GET", re.compile(rf"reports/{_ID}/(?:receivers/[a-z]+|stats(?:/links)?)"), INPUT, "reports/{id}"),
    ("GET", re.compile(rf"mailings(?:/{_ID})?"), INPUT, "mailings"),
)

T = TypeVar("T")


def dataset_of(method: str, path: str) -> tuple[str, str] | None:
    """``(input|output, name)`` of an API call (``path`` below ``/v3``, without the query), or None."""
    path = path.strip("/")
    for rule_method, pattern, kind, name in _RULES:
        if method.upper() == rule_method and (match := pattern.fullmatch(path)):
            return kind, name.format(**match.groupdict())
    return None


def namespace_of(account_id: str | None, api_root: str) -> str:
    """``cleverreach://<account id>``, else ``cleverreach://<API host>``."""
    authority = account_id if account_id and re.fullmatch(r"[0-9A-Za-z_.-]+", account_id) else None
    return f"{SCHEME}://{authority or (urlsplit(api_root).hostname or 'unknown')}"


def record_call(hook: Any, method: str, path: str, body: T) -> T:
    """Tell the collector what a successful call read or wrote; returns ``body``. Remembers the account id of a
    ``debug/whoami`` answer for the namespace (nothing else of it)."""
    try:
        path = path.strip("/")
        if method.upper() == "GET" and path == "debug/whoami" and isinstance(body, dict) and body.get("id"):
            setattr(hook, ACCOUNT_ATTRIBUTE, str(body["id"]))
        found = dataset_of(method, path)
        if found is not None:
            kind, name = found
            uri = f"{namespace_of(getattr(hook, ACCOUNT_ATTRIBUTE, None), hook.api_root)}/{name}"
            collector = get_hook_lineage_collector()
            add = collector.add_input_asset if kind == INPUT else collector.add_output_asset
            add(context=hook, uri=uri)
    except Exception:  # lineage is a by-product: a call that worked stays worked
        log.debug("CleverReach hook lineage not recorded", exc_info=True)
    return body


def to_openlineage(asset: Any, lineage_context: Any = None) -> Any:
    """The OpenLineage dataset of a ``cleverreach://`` asset (the provider's ``asset-uris`` converter): namespace
    ``cleverreach://<authority>``, name the path; used by the OpenLineage provider where it is installed."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parts = urlsplit(asset.uri)
    return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path.lstrip("/"))
