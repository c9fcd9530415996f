"""How the emulated CleverReach spells and finds an address whose domain is an IDN (setting ``idn_spelling``).

No stored source says what CleverReach does with ``anna@straße.de`` or ``Jürgen@Bücher.example``, so each
plausible reading is a variant:

* ``as_written``: stored and shown as written; found only under that spelling (any case).
* ``either``: stored and shown as written; found under the written spelling and the other spelling of its
  domain (Unicode <-> IDNA 2008 punycode).
* ``punycode``: stored converted, the domain in IDNA 2008 punycode (``anna@xn--strae-oqa.de``), so the API
  returns the ``xn--`` form; a look-up under either spelling is converted the same way and finds it.
* ``idna2003``: stored converted with IDNA 2003 (nameprep folds ``ß`` to ``ss``: ``anna@strasse.de``), what
  PHP's ``idn_to_ascii`` does under transitional processing; a Unicode look-up is folded the same way and
  finds it, the IDNA 2008 punycode spelling (``xn--strae-oqa.de``) does not.
* ``refused``: an address with a character outside ASCII is invalid (PHP's ``FILTER_VALIDATE_EMAIL``): a
  per-item ``invalid address`` on the bulk writes, a 400 on a single create.

An exact match of the stored spelling (any case) is found under every variant, so seeds stay as given.
"""

from __future__ import annotations

from enum import StrEnum


class IdnSpelling(StrEnum):
    """The values of the ``idn_spelling`` setting (default first)."""

    AS_WRITTEN = "as_written"
    EITHER = "either"
    PUNYCODE = "punycode"
    IDNA2003 = "idna2003"
    REFUSED = "refused"


def punycode_domain(domain: str) -> str | None:
    """IDNA 2008's ASCII form, label by label (lower case); None when a label does not convert."""
    try:
        return ".".join(label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
                        for label in domain.lower().split("."))
    except UnicodeError:
        return None


def unicode_domain(domain: str) -> str | None:
    """The Unicode form of a domain with ``xn--`` labels (lower case); None when a label does not decode."""
    try:
        return ".".join(label[4:].encode("ascii").decode("punycode") if label.startswith("xn--") else label
                        for label in domain.lower().split("."))
    except UnicodeError:
        return None


def idna2003_domain(domain: str) -> str | None:
    """IDNA 2003's ASCII form (Python's ``idna`` codec: nameprep, ``ß`` -> ``ss``); None when it fails."""
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _with_domain(email: str, convert) -> str | None:
    local, at, domain = email.rpartition("@")
    if not at or domain.isascii():
        return email
    converted = convert(domain)
    return None if converted is None else f"{local}@{converted}"


def stored_spelling(email: str, variant: str) -> str | None:
    """The spelling the service stores for a valid address written as ``email``; None = refused as invalid."""
    if variant == IdnSpelling.REFUSED:
        return email if email.isascii() else None
    if variant == IdnSpelling.PUNYCODE:
        return _with_domain(email, punycode_domain) or email
    if variant == IdnSpelling.IDNA2003:
        return _with_domain(email, idna2003_domain) or email
    return email


def lookup_keys(email: str, variant: str) -> list[str]:
    """The lower-case keys under which a look-up for ``email`` finds a stored receiver, the exact one first."""
    key = str(email).strip().lower()
    keys = [key]
    local, at, domain = key.rpartition("@")
    if not at:
        return keys
    if variant == IdnSpelling.EITHER:
        other = unicode_domain(domain) if domain.isascii() else punycode_domain(domain)
        if other and other != domain:
            keys.append(f"{local}@{other}")
    elif variant in (IdnSpelling.PUNYCODE, IdnSpelling.IDNA2003):
        converted = stored_spelling(key, variant)
        if converted and converted.lower() != key:
            keys.append(converted.lower())
    return keys
