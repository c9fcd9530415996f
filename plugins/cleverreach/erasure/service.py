"""Carry out one erasure request: find the person's receivers in every group of the tenant's account,
delete them by id and read the groups back, then purge the integration's copies in the CRM."""

from __future__ import annotations

import logging
from typing import Any

from cleverreach.audit.actor import Actor
from cleverreach.erasure.request import ErasureReport, ErasureRequest, ErasureRequestError, addresses_to_erase, email_key
from cleverreach.erasure.store import ErasureStore
from cleverreach.hooks.cleverreach import CleverReachHook

log = logging.getLogger(__name__)


class ContactErasure:
    def __init__(self, cleverreach: CleverReachHook, store: ErasureStore, request: ErasureRequest, actor: Actor,
                 logger: logging.Logger | None = None) -> None:
        self.cr = cleverreach
        self.store = store
        self.request = request
        self.actor = actor
        self.log = logger or log

    def run(self) -> dict[str, Any]:
        request = self.request
        contacts = self.store.tenant_contacts(request.tenant_id)
        unknown = [cid for cid in request.contact_ids if cid not in contacts]
        if unknown:  # another tenant's ids are "unknown" here too: nothing about other tenants is revealed
            raise ErasureRequestError(
                f"tenant {request.tenant_id!r}: {len(unknown)} contact id(s) do not exist for this tenant: {unknown}; "
                "nothing was erased"
            )
        given_keys = {email_key(e) for e in request.emails}
        ids = set(request.contact_ids) | {cid for cid, email in contacts.items() if email_key(email) in given_keys}
        current = {cid: contacts[cid] for cid in ids}
        keys = addresses_to_erase(request, current, self.store.sent_emails(request.tenant_id, sorted(ids)))
        report = ErasureReport(request.tenant_id, contacts=len(ids), addresses=len(keys))
        self._erase_in_cleverreach(keys, report)
        report.crm = self.store.purge(request.tenant_id, ids, keys, self.actor)
        self.log.info("Erasure for tenant %s: %s", request.tenant_id, report.as_dict())
        return report.as_dict()

    def _erase_in_cleverreach(self, keys: set[str], report: ErasureReport) -> None:
        """Every group of the account, not only the imported ones: the person leaves the account."""
        if not keys:
            return
        for group in self.cr.list_groups():
            group_id = str(group["id"])
            report.groups_searched += 1
            found = [r for r in self.cr.get_receivers(group_id, emails=sorted(keys)) if email_key(r.get("email")) in keys]
            if not found:
                continue
            ids = [str(r["id"]) for r in found]
            report.receivers_found += len(ids)
            list(self.cr.delete_receivers(group_id, ids))  # judged by what the group holds afterwards, not by the answer
            left = {str(r["id"]) for r in self.cr.get_receivers(group_id, ids=ids)}
            report.receivers_deleted += len(set(ids) - left)
            report.receivers_failed += len(left)
            if left:
                self.log.warning("Erasure: %d receiver(s) are still in group %s after the delete", len(left), group_id)
