"""The check's only way to write: into the scratch groups it created itself.

Every write goes through :class:`ScratchAccount`, which refuses any path that is not a scratch group
of this run (or the creation of a group or of a global attribute), so an existing group or receiver
of the account can never be changed, whatever a probe does. Reads go through the hook unchanged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from cleverreach.api_check.observations import NotObserved, Observations
from cleverreach.exceptions import CleverReachError, CleverReachNotFoundError, redact_emails
from cleverreach.hooks.cleverreach import CleverReachHook

log = logging.getLogger(__name__)

_GROUP_PATH = re.compile(r"^groups/([^/]+)(/.*)?$")


class ScratchViolation(RuntimeError):
    """A write aimed at something the check did not create (a bug: the check stops)."""


class ProbeError(RuntimeError):
    """An answer of an unexpected shape; the probe's assumption cannot be checked."""


PROBE_ERRORS = (CleverReachError, ProbeError, requests.RequestException)


def why(exc: BaseException) -> str:
    """A short reason for the table, free of addresses."""
    return f"{type(exc).__name__}: {redact_emails(str(exc))[:200]}"


def run_probe(observations: Observations, check: str, probe: Callable[[], Any]) -> Any:
    """Run one probe and record what it saw, or why it could not see it; the other probes go on."""
    try:
        seen = probe()
    except PROBE_ERRORS as exc:
        log.warning("Probe %s could not run: %s", check, why(exc))
        seen = NotObserved(why(exc))
    observations.record(check, seen)
    return seen


class ScratchAccount:
    """The hook, restricted for writes to the groups created through :meth:`create_group`."""

    def __init__(self, hook: CleverReachHook) -> None:
        self.hook = hook
        self.group_ids: list[str] = []

    # ------------------------------------------------------------------ writes
    def write(self, method: str, path: str, *, json: Any = None) -> Any:
        path = path.lstrip("/")
        match = _GROUP_PATH.match(path)
        allowed = (method == "POST" and path in ("groups", "attributes")) or (
            match is not None and match.group(1) in self.group_ids
        )
        if not allowed:
            raise ScratchViolation(f"refusing {method} /v3/{path}: not a scratch group of this check")
        return self.hook.request(method, path, json=json)

    def create_group(self, name: str) -> str:
        body = self.write("POST", "groups", json={"name": name})
        group_id = body.get("id") if isinstance(body, dict) else None
        if group_id in (None, ""):
            raise ProbeError("POST groups answered without an id")
        self.group_ids.append(str(group_id))
        return str(group_id)

    def delete_group(self, group_id: str) -> Any:
        return self.write("DELETE", f"groups/{group_id}")

    def upsert(self, group_id: str, receivers: list[dict[str, Any]]) -> list[Any]:
        """The integration's batch write; the raw per-item answer, aligned with ``receivers``."""
        body = self.write("POST", f"groups/{group_id}/receivers/upsert", json=receivers)
        if not isinstance(body, list):
            raise ProbeError(f"the batch write answered {type(body).__name__}, not a list")
        return body

    def bulk_delete(self, group_id: str, refs: list[str]) -> list[Any]:
        body = self.write("POST", f"groups/{group_id}/receivers/delete", json=refs)
        if not isinstance(body, list):
            raise ProbeError(f"the bulk delete answered {type(body).__name__}, not a list")
        return body

    def deactivate(self, group_id: str, receiver_id: str) -> Any:
        return self.write("PUT", f"groups/{group_id}/receivers/{receiver_id}/deactivate")

    # ------------------------------------------------------------------ reads
    def receiver(self, group_id: str, receiver_id: str) -> dict[str, Any] | None:
        """One receiver of a scratch group by id, or None when it is not there."""
        try:
            body = self.hook.request("GET", f"groups/{group_id}/receivers/{receiver_id}")
        except CleverReachNotFoundError:
            return None
        if isinstance(body, dict) and body:
            return body
        if body in ([], None, False):
            return None
        raise ProbeError(f"GET receiver answered {type(body).__name__}")

    def receivers_page(self, group_id: str, *, page: int, page_size: int, order_by: str | None = None) -> list[Any]:
        params: dict[str, Any] = {"page": page, "pagesize": page_size, "type": "all"}
        if order_by:
            params["order_by"] = order_by
        body = self.hook.request("GET", f"groups/{group_id}/receivers", params=params)
        if body in (None, False, "false"):
            return []
        if not isinstance(body, list):
            raise ProbeError(f"a receivers page answered {type(body).__name__}")
        return body

    def address_known(self, email: str) -> bool:
        """Whether the account holds a receiver with this address in any group (a read)."""
        try:
            body = self.hook.request("GET", f"receivers/{quote(email, safe='@')}")
        except CleverReachNotFoundError:
            return False
        return bool(body)
