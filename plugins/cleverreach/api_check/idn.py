"""The IDN probe: how the account stores and finds an address whose domain is an international domain name.

Nobody knows what CleverReach does with ``anna@straße.de``: keep it as written (found only so, or under
either spelling), convert the domain to IDNA 2008 punycode, fold it by IDNA 2003 (``strasse.de``), or refuse
it. The integration is built to be correct under each (``cleverreach.email_keys``); this probe tells which
one the account shows. It writes one made-up receiver into the first scratch group (a domain with ``ß`` and
``ü``, under ``.example``, so no mailbox exists), reads it back by id and by both spellings, and deletes it.
The address is never logged or reported.
"""

from __future__ import annotations

from typing import Any

from cleverreach.api_check.observations import IdnSeen, IdnVariant
from cleverreach.api_check.scratch import ScratchAccount
from cleverreach.email_keys import ascii_domain, folded_domain
from cleverreach.exceptions import redact_emails

IDN_DOMAIN = "prüfstraße.example"


def idn_address(tag: str) -> str:
    """The made-up address of a run: unique by the run's tag, with a domain whose IDNA readings all differ."""
    return f"crcheck-{tag.lower()}@{IDN_DOMAIN}"


def stored_as(email: str, written: str) -> tuple[IdnVariant | None, str]:
    """Which spelling a read-back address is (None = as written), and how to say it without the address."""
    local, _, domain = written.rpartition("@")
    got_local, _, got_domain = email.strip().rpartition("@")
    if got_local.lower() != local.lower():
        return IdnVariant.OTHER, "read back with another local part"
    if got_domain.lower() == domain.lower():
        return None, "stored as written (Unicode)"
    if got_domain.lower() == ascii_domain(domain):
        return IdnVariant.PUNYCODE, "stored with the domain in IDNA 2008 punycode (xn--)"
    if got_domain.lower() == folded_domain(domain):
        return IdnVariant.IDNA2003, "stored folded by IDNA 2003 (ß became ss)"
    return IdnVariant.OTHER, "stored in a spelling that is neither the Unicode nor an IDNA form"


class IdnProbe:
    """Writes, reads and deletes the one IDN scratch receiver; ``run`` returns what it saw."""

    def __init__(self, account: ScratchAccount, group_id: str, tag: str, activated: int) -> None:
        self.account = account
        self.group_id = group_id
        self.written = idn_address(tag)
        self.activated = activated

    def run(self) -> IdnSeen:
        items = self.account.insert(self.group_id, [{"email": self.written, "activated": self.activated}])
        item = items[0] if items else None
        if item is None or not item.ok or not item.receiver_id:
            answer = "no per-item answer" if item is None else redact_emails(item.error or item.status or "refused")[:120]
            return IdnSeen(IdnVariant.REFUSED, f"refused as written: {answer}")
        try:
            return self._read_back(item.receiver_id)
        finally:
            self.account.delete_by_ids(self.group_id, [item.receiver_id])

    def _read_back(self, receiver_id: str) -> IdnSeen:
        receiver = self.account.receiver(self.group_id, receiver_id)
        if receiver is None:
            return IdnSeen(IdnVariant.OTHER, "accepted, but the receiver cannot be read back by its id")
        variant, stored = stored_as(str(receiver.get("email") or ""), self.written)
        local, _, domain = self.written.rpartition("@")
        by_unicode = self._finds(receiver_id, self.written)
        by_punycode = self._finds(receiver_id, f"{local}@{ascii_domain(domain)}")
        found = f"found by the Unicode spelling: {_yes(by_unicode)}, by IDNA 2008 punycode: {_yes(by_punycode)}"
        if variant is None:
            if not by_unicode:
                variant = IdnVariant.OTHER
            else:
                variant = IdnVariant.EITHER if by_punycode else IdnVariant.AS_WRITTEN
        return IdnSeen(variant, f"{stored}; {found}")

    def _finds(self, receiver_id: str, spelling: str) -> bool:
        found: list[dict[str, Any]] = self.account.hook.get_receivers(self.group_id, emails=[spelling])
        return any(str(r.get("id")) == str(receiver_id) for r in found)


def _yes(value: bool) -> str:
    return "yes" if value else "no"
