"""The one comparison key of an e-mail address, the same for CRM members and CleverReach receivers.

The key is the trimmed address in lower case with its domain in the ASCII (IDNA 2008, punycode) form:
``Jürgen@Bücher.example`` and ``jürgen@xn--bcher-kva.example`` are one key, so a contact never flaps
between the Unicode and the punycode spelling whichever one CleverReach stores. ``idna`` is the library
``email-validator`` itself uses for domains. Vectorised: only the rare non-ASCII addresses go through
IDNA, each distinct domain once.
"""

from __future__ import annotations

from functools import lru_cache

import idna
import pandas as pd


@lru_cache(maxsize=10_000)
def ascii_domain(domain: str) -> str:
    """A domain in its lower-case ASCII form; one IDNA cannot encode stays as it is, lower-cased."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        return domain.lower()


def email_key(email: str) -> str:
    """The key of one address (see the module's docstring)."""
    text = str(email or "").strip().lower()
    if text.isascii():
        return text
    local, at, domain = text.rpartition("@")
    return f"{local}{at}{ascii_domain(domain)}" if at else text


def email_keys(emails: pd.Series) -> pd.Series:
    """The keys of many addresses; missing values become ''."""
    text = emails.astype("object").where(emails.notna(), "").astype(str).str.strip().str.lower()
    unicode_rows = ~text.str.isascii().astype(bool)
    if unicode_rows.any():
        text = text.astype("object")
        text[unicode_rows] = text[unicode_rows].map(email_key)
    return text.astype("str")
