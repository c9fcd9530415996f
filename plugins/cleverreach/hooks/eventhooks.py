"""CleverReach's event hooks (receiver webhooks) as methods of :class:`~cleverreach.hooks.cleverreach.CleverReachHook`.

The endpoint has no version segment in CleverReach's own integration core (``/hooks/eventhook``), while another
source names ``/v3/hooks/eventhook``: the unversioned path is tried first, ``/v3/...`` after a 404, and the one that
answered is kept for the hook's life (:attr:`EventhookMixin.eventhook_path`). Every call goes through the hook's
:meth:`request` (one retry budget, typed errors); the unversioned path is the endpoint ``../hooks/eventhook``,
which :meth:`url_from_endpoint` maps onto the API root (never left to a client's dot-segment handling).

A removal always names the group (``?condition=``): without it CleverReach removes every registration of that
event in the account. The call token and secret of a registration are masked in logs as soon as they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow.sdk.log import mask_secret

from cleverreach.exceptions import CleverReachNotFoundError, CleverReachResponseError
from cleverreach.hooks.transport import segment

UNVERSIONED, VERSIONED = "hooks/eventhook", "v3/hooks/eventhook"
ROOT_PREFIX = "../"  # an endpoint below the API root, beside /v3 (the hook's base URL is <root>/v3)
_ENDPOINTS = {UNVERSIONED: f"{ROOT_PREFIX}hooks/eventhook", VERSIONED: "hooks/eventhook"}


class EventhookError(CleverReachResponseError):
    """A registration CleverReach did not confirm (no success, no call token): nothing is active."""


@dataclass(frozen=True)
class Eventhook:
    """A registration's answer: the call token every event carries, and the secret of encrypted addresses."""

    call_token: str
    secret: str
    api_path: str  # the eventhook path that answered

    def __repr__(self) -> str:  # never the token in a log or a traceback
        return f"Eventhook(api_path={self.api_path!r})"


class EventhookMixin:
    """Register, list and remove event hooks; mixed into the CleverReach hook (which gives ``request`` and
    ``api_root``)."""

    eventhook_path: str | None = None  # the path that answered, once one has

    def url_from_endpoint(self, endpoint: str | None) -> str:
        """``../x`` is ``<API root>/x`` (beside ``/v3``); every other endpoint is the hook's base URL's."""
        if endpoint and endpoint.startswith(ROOT_PREFIX):
            return f"{self.api_root}/{endpoint[len(ROOT_PREFIX):]}"  # type: ignore[attr-defined]
        return super().url_from_endpoint(endpoint)  # type: ignore[misc]

    def _eventhook_call(self, method: str, tail: str = "", **kwargs: Any) -> Any:
        """One call to the eventhook endpoint: on the path that answered before, else unversioned, then ``/v3``
        after a 404 (which then also stays the answer when both say 404)."""
        paths = [self.eventhook_path] if self.eventhook_path else [UNVERSIONED, VERSIONED]
        for index, path in enumerate(paths):
            try:
                body = self.request(method, f"{_ENDPOINTS[path]}{tail}", **kwargs)  # type: ignore[attr-defined]
            except CleverReachNotFoundError:
                if index + 1 < len(paths):
                    continue
                raise
            self.eventhook_path = path
            return body
        raise AssertionError("unreachable")

    def list_eventhooks(self) -> list[dict[str, Any]]:
        """The account's registrations (``GET /hooks/eventhook``); an object answer is read as its values."""
        body = self._eventhook_call("GET")
        if isinstance(body, dict):
            body = list(body.values())
        if not isinstance(body, list):
            return []
        return [item for item in body if isinstance(item, dict)]

    def register_eventhook(self, url: str, event: str, group_id: str, verify: str) -> Eventhook:
        """Register ``url`` for ``event`` of one group. CleverReach verifies the URL during this call (``GET
        ?secret=``), so the registration must be stored, answering ``verify``, before it is made."""
        if not 10 <= len(verify) <= 50:
            raise ValueError("verify must be 10 to 50 characters")
        body = self._eventhook_call("POST", json={"url": url, "event": event, "condition": str(group_id), "verify": verify})
        if not isinstance(body, dict) or not body.get("call_token") or body.get("success") is False:
            raise EventhookError(f"CleverReach did not confirm the {event} event hook of group {group_id} "
                                 f"(no call token in its answer)")
        token, secret = str(body["call_token"]), str(body.get("secret") or "")
        mask_secret(token)
        if secret:
            mask_secret(secret)
        assert self.eventhook_path is not None
        return Eventhook(token, secret, self.eventhook_path)

    def delete_eventhook(self, event: str, group_id: str) -> bool:
        """Remove the registration of ``event`` for one group only (``condition`` always given); False when
        CleverReach had none (a 404, or an answer that counts ``deleted: 0``; a bare ``true`` cannot tell)."""
        if str(group_id).strip() in ("", "0"):
            raise ValueError("a removal names its group: without one CleverReach removes every registration of the event")
        try:
            body = self._eventhook_call("DELETE", f"/{segment(event)}", params={"condition": str(group_id)})
        except CleverReachNotFoundError:
            return False
        if isinstance(body, dict) and isinstance(body.get("deleted"), int) and not isinstance(body["deleted"], bool):
            return body["deleted"] > 0
        return True
