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


@lru_cache(maxsize=10_000)
def folded_domain(domain: str) -> str:
    """IDNA 2003's ASCII reading of a domain (Python's ``idna`` codec: nameprep folds ``ß`` to ``ss``), from
    either spelling; a domain it cannot read stays as ``ascii_domain`` makes it."""
    try:
        return unicode_domain(ascii_domain(domain)).encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return ascii_domain(domain)


def folded_email_key(email: str) -> str:
    """The key under IDNA 2003's reading of the domain (``anna@straße.de`` -> ``anna@strasse.de``).

    Not an identity: IDNA 2008 (``email_key``) tells ``straße.de`` from ``strasse.de``. A service that folds
    (as PHP's ``idn_to_ascii`` does with transitional processing) stores the one as the other, so this key only
    confirms a match that something else vouches for: a receiver the sync owns for that very contact, or one a
    search by the person's own spelling returned."""
    key = email_key(email)
    local, at, domain = key.rpartition("@")
    if not at or "xn--" not in domain:
        return key
    return f"{local}@{folded_domain(domain)}"
