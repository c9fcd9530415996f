"""EmulatorClient: a thin ``requests`` wrapper over the emulator's control API (``/_emulator``).

It also offers :meth:`EmulatorClient.token` (a real ``POST /oauth/token.php`` call) as a
convenience for tests and the demo.
"""

from __future__ import annotations

from typing import Any

import requests

__all__ = ["EmulatorClient", "EmulatorControlError"]


class EmulatorControlError(RuntimeError):
    def __init__(self, status: int, body: Any):
        super().__init__(f"control API answered {status}: {body}")
        self.status = status
        self.body = body


class EmulatorClient:
    def __init__(self, url: str, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "EmulatorClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ plumbing

    def _call(self, method: str, path: str, json: Any = None, params: dict | None = None) -> Any:
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if params:
            kwargs["params"] = {k: v for k, v in params.items() if v is not None}
        if json is not None:
            kwargs["json"] = json
        resp = self.session.request(method, self.url + path, **kwargs)
        try:
            body = resp.json()
        except ValueError:
            body = resp.text
        if resp.status_code >= 400:
            raise EmulatorControlError(resp.status_code, body)
        return body

    # ------------------------------------------------------------ state

    def health(self) -> dict:
        return self._call("GET", "/_emulator/health")

    def reset(self, seed: dict | None = None) -> dict:
        """Replace all state (also clears the request log, counters and faults)."""
        return self._call("POST", "/_emulator/reset", json=seed if seed is not None else {})

    def state(self, receivers: bool = True) -> dict:
        return self._call("GET", "/_emulator/state", params={"receivers": str(receivers).lower()})

    def group_receivers(self, group_id: str) -> list[dict]:
        return self._call("GET", f"/_emulator/state/groups/{group_id}/receivers")

    def add_account(self, account: dict) -> dict:
        return self._call("POST", "/_emulator/accounts", json=account)

    # ------------------------------------------------------------ traffic

    def requests(self, client_id: str | None = None, since_seq: int | None = None,
                 limit: int | None = None) -> list[dict]:
        return self._call("GET", "/_emulator/requests",
                          params={"client_id": client_id, "since_seq": since_seq, "limit": limit})

    def clear_requests(self) -> None:
        """Clear the request log and the counters."""
        self._call("DELETE", "/_emulator/requests")

    def counters(self, client_id: str | None = None) -> dict:
        return self._call("GET", "/_emulator/counters", params={"client_id": client_id})

    # ------------------------------------------------------------ faults / settings / clock

    def set_faults(self, **config: Any) -> dict:
        """See :class:`cleverreach_emulator.faults.Faults` for the keys."""
        return self._call("POST", "/_emulator/faults", json=config)

    def clear_faults(self) -> None:
        self._call("DELETE", "/_emulator/faults")

    def faults(self) -> dict:
        return self._call("GET", "/_emulator/faults")

    def settings(self) -> dict:
        return self._call("GET", "/_emulator/settings")

    def update_settings(self, **changes: Any) -> dict:
        return self._call("PATCH", "/_emulator/settings", json=changes)

    def clock(self) -> dict:
        return self._call("GET", "/_emulator/clock")

    def advance_clock(self, seconds: float) -> int:
        return self._call("POST", "/_emulator/clock", json={"advance": seconds})["now"]

    def set_clock(self, now: float | None) -> int:
        body = {"reset": True} if now is None else {"now": now}
        return self._call("POST", "/_emulator/clock", json=body)["now"]

    # ------------------------------------------------------------ account actions

    def revoke_tokens(self, client_id: str, include_refresh: bool = False) -> int:
        return self._call("POST", f"/_emulator/accounts/{client_id}/revoke-tokens",
                          json={"include_refresh": include_refresh})["revoked"]

    def unsubscribe(self, client_id: str, email: str, group_id: str | None = None,
                    blacklist: bool | None = None, mailing_id: str | None = None) -> list[str]:
        body = {"email": email, "group_id": group_id, "blacklist": blacklist, "mailing_id": mailing_id}
        return self._call("POST", f"/_emulator/accounts/{client_id}/unsubscribe",
                          json={k: v for k, v in body.items() if v is not None})["receiver_ids"]

    def bounce(self, client_id: str, email: str, group_id: str | None = None,
               category: str = "hardbounce", message: str | None = None,
               mailing_id: str | None = None) -> list[str]:
        body = {"email": email, "group_id": group_id, "category": category, "message": message,
                "mailing_id": mailing_id}
        return self._call("POST", f"/_emulator/accounts/{client_id}/bounce",
                          json={k: v for k, v in body.items() if v is not None})["receiver_ids"]

    def signup(self, client_id: str, group_id: str, email: str,
               global_attributes: dict | None = None, attributes: dict | None = None,
               doi: bool = False) -> dict:
        return self._call("POST", f"/_emulator/accounts/{client_id}/signup",
                          json={"group_id": group_id, "email": email,
                                "global_attributes": global_attributes or {},
                                "attributes": attributes or {}, "doi": doi})

    def create_group(self, client_id: str, name: str, **fields: Any) -> dict:
        return self._call("POST", f"/_emulator/accounts/{client_id}/groups", json={"name": name, **fields})

    def delete_group(self, client_id: str, group_id: str) -> bool:
        return self._call("DELETE", f"/_emulator/accounts/{client_id}/groups/{group_id}")

    def generate_receivers(self, client_id: str, group_id: str, count: int,
                           email_pattern: str = "user{n}@example.com", start: int = 0,
                           global_attributes: dict | None = None, active: bool = True) -> dict:
        return self._call("POST", f"/_emulator/accounts/{client_id}/groups/{group_id}/generate",
                          json={"count": count, "email_pattern": email_pattern, "start": start,
                                "global_attributes": global_attributes or {}, "active": active})

    def send_mailing(self, client_id: str, group_ids: list[str], name: str = "", subject: str = "",
                     finished: int | None = None, links: list[dict] | None = None,
                     opens: list | None = None, clicks: list | None = None,
                     bounces: list | None = None, unsubscribes: list | None = None,
                     stamp: int | None = None, started: int | None = None, **extra: Any) -> str:
        """Create a finished mailing sent to all active receivers of ``group_ids``; returns its id.

        ``stamp`` (created) and ``started`` default to ``finished`` (default: now); a ``stamp`` long
        before ``started`` models a mailing drafted weeks before it was sent."""
        body = {"name": name, "subject": subject, "group_ids": group_ids, "finished": finished,
                "stamp": stamp, "started": started,
                "links": links or [], "opens": opens or [], "clicks": clicks or [],
                "bounces": bounces or [], "unsubscribes": unsubscribes or [], **extra}
        return self._call("POST", f"/_emulator/accounts/{client_id}/mailings/send",
                          json={k: v for k, v in body.items() if v is not None})["id"]

    # ------------------------------------------------------------ event hooks

    def webhooks(self, client_id: str | None = None) -> dict:
        """``{"idle", "pending", "attempts", "registrations": [...]}`` (registrations with their tokens)."""
        return self._call("GET", "/_emulator/webhooks", params={"client_id": client_id})

    def webhook_registrations(self, client_id: str | None = None) -> list[dict]:
        return self._call("GET", "/_emulator/webhooks/registrations", params={"client_id": client_id})

    def webhook_deliveries(self, client_id: str | None = None, since_seq: int | None = None,
                           event: str | None = None) -> list[dict]:
        """Every delivery attempt, oldest first."""
        return self._call("GET", "/_emulator/webhooks/deliveries",
                          params={"client_id": client_id, "since_seq": since_seq, "event": event})

    def clear_webhook_deliveries(self) -> None:
        self._call("DELETE", "/_emulator/webhooks/deliveries")

    def clear_webhooks(self) -> int:
        """Drop every registration, the queue and the log; returns how many registrations went."""
        return self._call("DELETE", "/_emulator/webhooks")["removed"]

    def wait_webhooks(self, timeout: float = 30.0) -> dict:
        """Block until every queued delivery is done; EmulatorControlError(504) if the time runs out."""
        status = self._call("POST", "/_emulator/webhooks/wait", json={"timeout": timeout})
        if not status["idle"]:
            raise EmulatorControlError(504, status)
        return status

    def unsubscribe_many(self, client_id: str, group_id: str, count: int | None = None,
                         receiver_ids: list[str] | None = None) -> list[str]:
        """Unsubscribe many receivers of a group in one operation (a burst of events)."""
        body = {"count": count, "receiver_ids": receiver_ids}
        return self._call("POST", f"/_emulator/accounts/{client_id}/groups/{group_id}/unsubscribe-many",
                          json={k: v for k, v in body.items() if v is not None})["receiver_ids"]

    def confirm(self, client_id: str, group_id: str, email: str) -> dict:
        """The person confirms the double opt-in mail (a pending receiver becomes active)."""
        return self._call("POST", f"/_emulator/accounts/{client_id}/confirm",
                          json={"group_id": group_id, "email": email})

    # ------------------------------------------------------------ real API convenience

    def token(self, client_id: str, client_secret: str) -> str:
        """Get an access token via client_credentials (a real, logged token request)."""
        resp = self.session.post(self.url + "/oauth/token.php", auth=(client_id, client_secret),
                                 data={"grant_type": "client_credentials"}, timeout=self.timeout)
        if resp.status_code != 200:
            raise EmulatorControlError(resp.status_code, resp.text)
        return resp.json()["access_token"]
