"""The one comparison key of an e-mail address, the same for the sync, the erasure and the mail history.

The key is the trimmed address in lower case with its domain in the ASCII (IDNA 2008, punycode) form:
``Jürgen@Bücher.example`` and ``jürgen@xn--bcher-kva.example`` are one key, so a contact never flaps
between the Unicode and the punycode spelling whichever one CleverReach stores. ``idna`` is the library
``email-validator`` itself uses for domains. One address at a time and without pandas, so that a module that
DAG files import at parse time may use it; ``cleverreach.sync.keys.email_keys`` is the vectorised form.
"""

from __future__ import annotations

from functools import lru_cache

import idna


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


@lru_cache(maxsize=10_000)
def unicode_domain(domain: str) -> str:
    """A domain in its Unicode form (``xn--bcher-kva.example`` -> ``bücher.example``); one IDNA cannot decode
    stays as it is."""
    try:
        return idna.decode(domain, uts46=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        return domain


def email_spellings(email: str | None) -> set[str]:
    """Every spelling under which a service may hold an address of this key: the address as given (trimmed),
    its key (punycode domain) and the key with the domain in Unicode. CleverReach's handling of IDN domains
    is unknown, so a search for a person asks for each (and judges what it finds by ``email_key``)."""
    text = str(email or "").strip()
    key = email_key(text)
    if not key:
        return set()
    local, at, domain = key.rpartition("@")
    return {text, key, f"{local}{at}{unicode_domain(domain)}" if at else key}
