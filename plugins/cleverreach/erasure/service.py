"""Carry out one erasure request: delete the person's receivers from the tenant's CleverReach account, first
those the ownership record names by receiver id, then every receiver found under any spelling of the person's
addresses in every group; read the groups back, then purge the integration's copies (an ownership row only
once its receiver is confirmed gone)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from cleverreach.audit.actor import Actor
from cleverreach.erasure.request import (
    ErasureReport,
    ErasureRequest,
    ErasureRequestError,
    OwnedRow,
    addresses_to_erase,
    confirmed_gone,
    spellings_to_search,
)
from cleverreach.erasure.store import ErasureStore
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.email_keys import email_key, folded_email_key

log = logging.getLogger(__name__)


class ContactErasure:
    def __init__(self, cleverreach: CleverReachHook, store: ErasureStore, request: ErasureRequest, actor: Actor,
                 logger: logging.Logger | None = None, keepalive: Callable[[], None] | None = None) -> None:
        """``keepalive``: called before each group and before the purge (the held list leases' heartbeat and
        fence, ``cleverreach.erasure.leases``)."""
        self.cr = cleverreach
        self.store = store
        self.request = request
        self.actor = actor
        self.log = logger or log
        self.keepalive = keepalive or (lambda: None)

    def check(self) -> dict[Any, Any]:
        """The tenant's contacts by id; refuses (no retry helps) a request naming contacts the tenant does not
        have. Called before any lease is taken, and again by :meth:`run`."""
        request = self.request
        contacts = self.store.tenant_contacts(request.tenant_id)
        unknown = [cid for cid in request.contact_ids if cid not in contacts]
        if unknown:  # another tenant's ids are "unknown" here too: nothing about other tenants is revealed
            raise ErasureRequestError(
                f"tenant {request.tenant_id!r}: {len(unknown)} contact id(s) of the request do not exist for this "
                "tenant; nothing was erased"
            )
        return contacts

    def run(self) -> dict[str, Any]:
        request = self.request
        contacts = self.check()
        given_keys = {email_key(e) for e in request.emails}
        ids = set(request.contact_ids) | {cid for cid, email in contacts.items() if email and email_key(email) in given_keys}
        current = {cid: contacts[cid] for cid in ids}
        sent = self.store.sent_emails(request.tenant_id, sorted(ids))
        keys = addresses_to_erase(request, current, sent)
        owned = self.store.owned_receivers(request.tenant_id, sorted(ids), keys)
        keys |= {row.email_key for row in owned}
        stored = self.store.plan_spellings(request.tenant_id, keys)
        spellings = spellings_to_search([*request.emails, *current.values(), *sent, *stored, *keys])
        report = ErasureReport(request.tenant_id, contacts=len(ids), addresses=len(keys))
        gone = self._erase_in_cleverreach(owned, keys, spellings, report)
        self.keepalive()
        report.crm = self.store.purge(request.tenant_id, ids, keys, self.actor, plan_spellings=stored, owned_gone=gone)
        self.log.info("Erasure for tenant %s: %s", request.tenant_id, report.as_dict())
        return report.as_dict()

    def _erase_in_cleverreach(self, owned: list[OwnedRow], keys: set[str], spellings: set[str],
                              report: ErasureReport) -> list[OwnedRow]:
        """Every group of the account, not only the imported ones: the person leaves the account. Returns the
        ownership rows whose receiver is confirmed gone (a group no longer in the account holds nothing)."""
        groups = [str(group["id"]) for group in self.cr.list_groups()]
        report.groups_searched = len(groups)
        left: set[tuple[str, str]] = set()  # (group, receiver id) and (group, address key) still there
        by_id: dict[str, list[str]] = {}
        for row in owned:
            if row.receiver_id and row.group_id in groups:
                by_id.setdefault(row.group_id, []).append(row.receiver_id)
        for group_id, receiver_ids in by_id.items():  # first: what the ownership record names by id
            self.keepalive()
            self._delete(group_id, self.cr.get_receivers(group_id, ids=sorted(set(receiver_ids))), report, left)
        if spellings:  # then: every spelling of every address, in every group, judged by its key
            # a service that folds IDN domains (IDNA 2003: straße.de -> strasse.de) answers a search for the
            # person's own spelling with the folded address: that answer vouches for it (email_keys.folded_email_key)
            folded = {folded_email_key(key) for key in keys}
            for group_id in groups:
                self.keepalive()
                found = [r for r in self.cr.get_receivers(group_id, emails=sorted(spellings))
                         if (email_key(str(r.get("email") or "")) in keys
                             or folded_email_key(str(r.get("email") or "")) in folded)
                         and (group_id, str(r["id"])) not in left]
                self._delete(group_id, found, report, left)
        return confirmed_gone(owned, groups, left)

    def _delete(self, group_id: str, found: list[dict[str, Any]], report: ErasureReport,
                left: set[tuple[str, str]]) -> None:
        """Delete these receivers by id; judged by what the group holds afterwards, not by the answer."""
        ids = sorted({str(r["id"]) for r in found})
        if not ids:
            return
        report.receivers_found += len(ids)
        list(self.cr.delete_receivers(group_id, ids))
        remaining = self.cr.get_receivers(group_id, ids=ids)
        report.receivers_deleted += len(set(ids) - {str(r["id"]) for r in remaining})
        report.receivers_failed += len(remaining)
        for receiver in remaining:
            left.add((group_id, str(receiver["id"])))
            left.add((group_id, email_key(str(receiver.get("email") or ""))))
        if remaining:
            self.log.warning("Erasure: %d receiver(s) are still in group %s after the delete", len(remaining), group_id)
