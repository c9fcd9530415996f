"""The check's inputs, validated before any request, and the names it gives what it creates.

The user names the test addresses (addresses they own). Every further receiver the check needs is
derived from the first one by plus-addressing with a tag unique to the run, so nothing it writes can
collide with a receiver that already exists in the account. No message here ever repeats an address.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cleverreach.email_validation import check_email
from cleverreach.exceptions import redact_emails

MAX_TEST_EMAILS = 10
SCRATCH_PREFIX = "cleverreach-api-check-"


class CheckRequestError(ValueError):
    """The run's arguments are not usable; the message names the argument, never an address."""


def _as_list(value: Any) -> list[Any]:
    """A list argument that may arrive as a list, or as its text from a non-native template."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            for parse in (json.loads, ast.literal_eval):
                try:
                    parsed = parse(text)
                except (ValueError, SyntaxError):
                    continue
                if isinstance(parsed, list):
                    return parsed
            raise CheckRequestError("test_emails must be a list of e-mail addresses")
        return [part for part in text.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, Sequence):
        return list(value)
    raise CheckRequestError("test_emails must be a list of e-mail addresses")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise CheckRequestError("keep_group must be true or false")


@dataclass(frozen=True)
class CheckRequest:
    """What one run checks with: the user's test addresses (normalised, distinct) and ``keep_group``."""

    test_emails: tuple[str, ...]
    keep_group: bool = False

    @classmethod
    def parse(cls, test_emails: Any, keep_group: Any = False) -> CheckRequest:
        items = _as_list(test_emails)
        if not items:
            raise CheckRequestError("test_emails needs at least one e-mail address")
        if len(items) > MAX_TEST_EMAILS:
            raise CheckRequestError(f"test_emails takes at most {MAX_TEST_EMAILS} addresses, got {len(items)}")
        emails: list[str] = []
        for position, item in enumerate(items):
            if not isinstance(item, str):
                raise CheckRequestError(f"test_emails[{position}] must be a text")
            normalised, reason = check_email(item.strip())
            if normalised is None:
                raise CheckRequestError(f"test_emails[{position}] is not a valid e-mail address ({redact_emails(reason or '')})")
            if normalised.lower() in (known.lower() for known in emails):
                raise CheckRequestError(f"test_emails[{position}] repeats an earlier address")
            emails.append(normalised)
        return cls(tuple(emails), _as_bool(keep_group))


def run_tag(now: datetime) -> str:
    """The run's UTC time, compact: part of the scratch group names and of every derived address."""
    return now.strftime("%Y%m%dT%H%M%SZ")


def scratch_group_name(now: datetime, suffix: str = "") -> str:
    """``cleverreach-api-check-<UTC time>`` (plus a suffix for the second group)."""
    return f"{SCRATCH_PREFIX}{run_tag(now)}{suffix}"


def derived_address(base: str, tag: str, label: str) -> str:
    """``local+crcheck-<tag>-<label>@domain``: the user's own mailbox, an address no account holds yet."""
    local, _, domain = base.rpartition("@")
    suffix = f"+crcheck-{tag.lower()}-{label}"
    return f"{local[: 64 - len(suffix)]}{suffix}@{domain}"
