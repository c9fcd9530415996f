"""Fault injection: the configuration set through ``POST /_emulator/faults`` and the fault it picks."""

from __future__ import annotations

import random
import re
from typing import Any

from starlette.responses import Response

from .web import error_response, html_error


class FaultHit:
    __slots__ = ("status", "html", "retry_after", "after", "message")

    def __init__(self, status: int, html: bool = False, retry_after: Any = None, after: bool = False,
                 message: str | None = None):
        self.status = status
        self.html = html
        self.retry_after = retry_after
        self.after = after
        self.message = message

    def response(self) -> Response:
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if self.html:
            return html_error(self.status, headers)
        return error_response(self.status, self.message, headers)


class Faults:
    """Fault injection configuration (see ``POST /_emulator/faults``).

    Keys: ``error_rate`` (probability of a JSON error with a status drawn from
    ``error_statuses``), ``rate_limit_rate`` (probability of 429 with ``Retry-After:
    retry_after``), ``html_error_rate`` (probability of an HTML proxy error page with a
    status from ``error_statuses``), ``latency_ms`` (added to every matching request),
    ``seed`` (RNG seed), ``path_regex``/``methods`` (restrict the random faults and the
    latency), ``include_oauth`` (also fault ``/oauth``), and ``next``: a queue of
    deterministic faults ``{"status", "count": 1, "path_regex", "methods", "retry_after",
    "html": false, "after": false, "message", "skip": 0}``; ``after: true`` applies the request
    first and then answers with the error (a lost response); ``skip: n`` lets the first n
    matching requests through before the entry starts to fire.
    """

    KEYS = {"error_rate", "error_statuses", "rate_limit_rate", "retry_after", "latency_ms", "seed",
            "path_regex", "methods", "html_error_rate", "next", "include_oauth"}
    NEXT_KEYS = {"status", "count", "path_regex", "methods", "retry_after", "html", "after", "message", "skip"}

    def __init__(self, cfg: dict | None = None):
        cfg = dict(cfg or {})
        unknown = set(cfg) - self.KEYS
        if unknown:
            raise ValueError(f"unknown fault keys {sorted(unknown)}")

        def rate(k: str) -> float:
            v = cfg.get(k, 0.0) or 0.0
            if not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ValueError(f"{k} must be between 0 and 1")
            return float(v)

        self.error_rate = rate("error_rate")
        self.rate_limit_rate = rate("rate_limit_rate")
        self.html_error_rate = rate("html_error_rate")
        if self.error_rate + self.rate_limit_rate + self.html_error_rate > 1:
            raise ValueError("the fault rates add up to more than 1")
        self.error_statuses = [int(s) for s in cfg.get("error_statuses") or [500, 502, 503]]
        if not self.error_statuses or any(not 400 <= s <= 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be HTTP error statuses")
        self.retry_after = cfg.get("retry_after", 1)
        self.latency_ms = float(cfg.get("latency_ms") or 0)
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        self.seed = cfg.get("seed")
        self.path_regex = cfg.get("path_regex")
        self._path_re = re.compile(self.path_regex) if self.path_regex else None
        self.methods = [m.upper() for m in cfg["methods"]] if cfg.get("methods") else None
        self.include_oauth = bool(cfg.get("include_oauth", False))
        self.rng = random.Random(self.seed)
        self.next: list[dict] = []
        for entry in cfg.get("next") or []:
            if not isinstance(entry, dict) or set(entry) - self.NEXT_KEYS:
                raise ValueError(f"bad next entry {entry!r}")
            status = int(entry.get("status", 503))
            if not 400 <= status <= 599:
                raise ValueError("next.status must be an HTTP error status")
            e = dict(entry, status=status, count=int(entry.get("count", 1)))
            e["_re"] = re.compile(entry["path_regex"]) if entry.get("path_regex") else None
            e["_methods"] = [m.upper() for m in entry["methods"]] if entry.get("methods") else None
            if e["count"] > 0:
                self.next.append(e)
        self.cfg = {k: v for k, v in cfg.items()}

    def to_dict(self) -> dict:
        out = {k: v for k, v in self.cfg.items() if k != "next"}
        out["next"] = [{k: v for k, v in e.items() if not k.startswith("_")} for e in self.next]
        return out

    @property
    def empty(self) -> bool:
        return not (self.next or self.error_rate or self.rate_limit_rate or self.html_error_rate
                    or self.latency_ms)

    def _global_match(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self._path_re is not None and not self._path_re.search(path):
            return False
        return True

    def pick(self, method: str, path: str, is_oauth: bool) -> tuple[float, FaultHit | None]:
        if is_oauth and not self.include_oauth:
            return 0.0, None
        gm = self._global_match(method, path)
        latency = self.latency_ms / 1000.0 if gm else 0.0
        for e in self.next:
            if e["_methods"] is not None and method not in e["_methods"]:
                continue
            if e["_re"] is not None and not e["_re"].search(path):
                continue
            if e.get("skip", 0) > 0:  # let the first matching requests through
                e["skip"] -= 1
                continue
            e["count"] -= 1
            if e["count"] <= 0:
                self.next.remove(e)
            retry = e.get("retry_after", self.retry_after if e["status"] == 429 else None)
            return latency, FaultHit(e["status"], bool(e.get("html")), retry, bool(e.get("after")),
                                     e.get("message"))
        if not gm or not (self.error_rate or self.rate_limit_rate or self.html_error_rate):
            return latency, None
        r = self.rng.random()
        if r < self.rate_limit_rate:
            return latency, FaultHit(429, False, self.retry_after)
        r -= self.rate_limit_rate
        if r < self.error_rate:
            return latency, FaultHit(self.rng.choice(self.error_statuses))
        r -= self.error_rate
        if r < self.html_error_rate:
            return latency, FaultHit(self.rng.choice(self.error_statuses), html=True)
        return latency, None
