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
from cleverreach.hooks.transport import segment
from cleverreach.hooks.responses import ItemResult

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
    """The hook, restricted for writes to the groups created through :meth:`create_group`.

    Writes use the hook's typed methods (the call forms the integration uses); :meth:`write` is the
    raw form for what they do not offer (creating a global attribute, a delete by e-mail).
    """

    def __init__(self, hook: CleverReachHook) -> None:
        self.hook = hook
        self.group_ids: list[str] = []

    def _scratch(self, group_id: str) -> str:
        if str(group_id) not in self.group_ids:
            raise ScratchViolation(f"refusing to write to group {group_id}: not a scratch group of this check")
        return str(group_id)

    # ------------------------------------------------------------------ writes
    def write(self, method: str, path: str, *, json: Any = None) -> Any:
        path = path.lstrip("/")
        match = _GROUP_PATH.match(path)
        if not (method == "POST" and path in ("groups", "attributes")):
            self._scratch(match.group(1) if match else f"(none in /v3/{path})")
        return self.hook.request(method, path, json=json)

    def create_group(self, name: str) -> str:
        body = self.hook.create_group(name)
        group_id = body.get("id") if isinstance(body, dict) else None
        if group_id in (None, ""):
            raise ProbeError("POST groups answered without an id")
        self.group_ids.append(str(group_id))
        return str(group_id)

    def delete_group(self, group_id: str) -> None:
        self.hook.delete_group(self._scratch(group_id))

    def insert(self, group_id: str, receivers: list[dict[str, Any]]) -> list[ItemResult]:
        """New receivers (the integration's ``/receivers/insert``); per-item results aligned with the input."""
        return [item for batch in self.hook.insert_receivers(self._scratch(group_id), receivers) for item in batch.items]

    def upsert(self, group_id: str, receivers: list[dict[str, Any]]) -> list[ItemResult]:
        """Updates of existing receivers (``/receivers/upsert``); per-item results."""
        return [item for batch in self.hook.upsert_receivers(self._scratch(group_id), receivers) for item in batch.items]

    def delete_by_ids(self, group_id: str, receiver_ids: list[str]) -> list[ItemResult]:
        return [item for batch in self.hook.delete_receivers(self._scratch(group_id), receiver_ids) for item in batch.items]

    def deactivate(self, group_id: str, receiver_id: str) -> None:
        self.hook.deactivate_receiver(self._scratch(group_id), receiver_id)

    # ------------------------------------------------------------------ reads
    def receiver(self, group_id: str, receiver_id: str) -> dict[str, Any] | None:
        """One receiver of a scratch group by id (read back as the integration does), or None."""
        try:
            found = self.hook.get_receivers(group_id, ids=[receiver_id])
        except CleverReachNotFoundError:
            return None
        return next((r for r in found if str(r.get("id")) == str(receiver_id)), None)

    def receivers_page(self, group_id: str, *, page: int, page_size: int, order_by: str | None = None) -> list[Any]:
        params: dict[str, Any] = {"page": page, "pagesize": page_size, "type": "all"}
        if order_by:
            params["order_by"] = order_by
        body = self.hook.request("GET", f"groups/{segment(group_id)}/receivers", params=params)
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
