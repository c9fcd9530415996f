"""The one e-mail check of the project: what the sync accepts (``email-validator``, syntax only, no DNS)."""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email


@lru_cache(maxsize=200_000)
def check_email(raw: str) -> tuple[str | None, str | None]:
    """(normalised address, None) or (None, reason)."""
    try:
        return validate_email(raw, check_deliverability=False).normalized, None
    except EmailNotValidError as exc:
        return None, f"invalid e-mail: {exc}"
