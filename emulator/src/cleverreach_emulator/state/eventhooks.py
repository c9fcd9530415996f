"""Event hooks (webhooks): registrations per account, and the events that receiver changes fire.

A change is noted where every receiver change passes (``_add_event``, ``_new_receiver``,
``_delete_receiver``: :meth:`StateCore._hook_mark`) and judged once, when the operation that made it
lets go of the state lock (:meth:`_on_unlock`): a new receiver fires ``receiver.created``, one that
became inactive ``receiver.unsubscribed``, active ``receiver.subscribed``, a write without either
``receiver.updated``, a deletion ``receiver.deleted``. Only accounts that have had a registration are
tracked (``Account.hooks_primed``), so the emulator costs nothing more without hooks.
"""

from __future__ import annotations

from typing import Any

from ..model import Account, ApiError, Receiver
from ..settings import EmulatorSettings
from ..webhook_delivery import Delivery, Dispatcher, Registration
from .core import StateCore

#: the events of a receiver [C]; the other families are accepted but never fired by the emulator
RECEIVER_EVENTS = ("receiver.subscribed", "receiver.unsubscribed", "receiver.created", "receiver.updated",
                   "receiver.deleted")
FAMILIES = ("receiver", "form", "filter", "group", "automation")
#: hints of a user-side change (not made through the REST API)
USER_HINTS = frozenset({"user_unsubscribe", "mail_bounce", "form_subscribe", "doi_confirm"})
#: hints of a write that, without a change of activity, is an update
WRITE_HINTS = frozenset({"REST update", "REST insert", "form_subscribe"})


def valid_event(event: Any) -> bool:
    """``receiver`` or ``receiver.<one of the five>``; ``form``, ``filter``, ``group``, ``automation``
    alone or with any sub-event (their members are not listed in public sources)."""
    if not isinstance(event, str) or not event:
        return False
    family, dot, name = event.partition(".")
    if family == "receiver":
        return not dot or event in RECEIVER_EVENTS
    return family in FAMILIES and (not dot or name.replace("_", "").isalnum())


def judge(rec: Receiver, hints: list[str], s: EmulatorSettings) -> list[str]:
    """The events one operation's changes of ``rec`` fire (a pure function of before, after, hints)."""
    before = rec.hook_seen
    after = rec.active and not rec.deleted
    events: list[str] = []
    if before == "new":
        events.append("receiver.created")
        if after and s.webhook_new_active == "created_subscribed":
            events.append("receiver.subscribed")
    elif before is True and not after and not rec.deleted:
        if rec.bounced and "user_unsubscribe" not in hints and not any(h.startswith("REST") for h in hints):
            if s.webhook_bounce_event != "none":
                events.append(s.webhook_bounce_event)
        else:
            events.append("receiver.unsubscribed")
    elif before is False and after:
        events.append("receiver.subscribed")
    elif not rec.deleted and any(h in WRITE_HINTS for h in hints):
        events.append("receiver.updated")
    if rec.deleted:
        events.append("receiver.deleted")
    if s.webhook_api_changes == "silent" and not any(h in USER_HINTS for h in hints):
        events = []
    return events


class EventHookOps(StateCore):
    """Event hooks: registration, listing, deletion, and the events of receiver changes."""

    @property
    def webhooks(self) -> Dispatcher:
        dispatcher = self.__dict__.get("_webhooks")
        if dispatcher is None:
            dispatcher = self._webhooks = Dispatcher(lambda: self.settings)
        return dispatcher

    def reset(self, seed: Any = None) -> None:
        super().reset(seed)
        self.webhooks.clear()

    # ------------------------------------------------------------------ registrations (API)

    def check_eventhook(self, account: Account, body: Any) -> tuple[str, str, str, str]:
        """Validate a registration's body; returns ``(url, event, condition, verify)`` (ApiError if bad)."""
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: invalid data")
        url, event, verify = body.get("url"), body.get("event"), body.get("verify")
        condition = body.get("condition")
        if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")) or " " in url:
            raise ApiError(400, "Bad Request: invalid url")
        if not valid_event(event):
            raise ApiError(400, "Bad Request: invalid event")
        if not isinstance(verify, str) or not 10 <= len(verify) <= 50:
            raise ApiError(400, "Bad Request: verify must be 10 to 50 characters")
        condition = "" if condition in (None, "", 0, "0") else str(condition).strip()
        if condition:
            with self.lock:
                group = account.groups.get(condition)
                if group is None:
                    status = int(self.settings.eventhook_unknown_condition)
                    raise ApiError(status, "Not Found: invalid group" if status == 404
                                   else "Bad Request: invalid condition")
        return url, event, condition, verify

    def add_eventhook(self, account: Account, url: str, event: str, condition: str, verify: str,
                      call_token: str, secret: str) -> Registration:
        """Keep a verified registration; one of the same url, event and condition is replaced. The
        account's receivers are tracked from now on."""
        with self.lock:
            if condition and condition not in account.groups:
                raise ApiError(404, "Not Found: invalid group")
            reg = Registration(account.client_id, url, event, condition, verify, call_token, secret, self.now())
            account.eventhooks = [r for r in account.eventhooks
                                  if (r.url, r.event, r.condition) != (url, event, condition)]
            account.eventhooks.append(reg)
            if not account.hooks_primed:
                for group in account.groups.values():
                    for rec in group.receivers.values():
                        rec.hook_seen = rec.active
                account.hooks_primed = True
            return reg

    def list_eventhooks(self, account: Account) -> list[dict]:
        with self.lock:
            return [r.public() for r in account.eventhooks]

    def delete_eventhooks(self, account: Account, event: str, condition: str | None) -> int:
        """Remove the account's registrations of ``event`` (a family name removes the family's events
        too: CORE3 deletes ``receiver``), only of one group when ``condition`` is given."""
        with self.lock:
            cond = None if condition in (None, "") else str(condition)

            def hit(r: Registration) -> bool:
                same = r.event == event or (event in FAMILIES and r.event.split(".", 1)[0] == event)
                return same and (cond is None or r.condition == cond)

            keep = [r for r in account.eventhooks if not hit(r)]
            removed = len(account.eventhooks) - len(keep)
            account.eventhooks = keep
            return removed

    # ------------------------------------------------------------------ control API

    def eventhook_registrations(self, client_id: str | None = None) -> list[dict]:
        with self.lock:
            return [r.control() for a in self.accounts.values()
                    if client_id is None or a.client_id == client_id for r in a.eventhooks]

    def clear_eventhooks(self) -> int:
        """Drop every registration, the queue and the log."""
        with self.lock:
            n = 0
            for a in self.accounts.values():
                n += len(a.eventhooks)
                a.eventhooks = []
            self.webhooks.clear()
            return n

    def unsubscribe_many(self, client_id: str, group_id: Any, count: int | None = None,
                         receiver_ids: list | None = None) -> list[str]:
        """A burst: many people click unsubscribe at once (one operation, so one batch of events). The
        first ``count`` active receivers of the group by id, or the given ids."""
        with self.lock:
            account = self._account(client_id)
            group = self.group(account, str(group_id))
            if receiver_ids is not None:
                recs = [group.receivers.get(str(i)) for i in receiver_ids]
                if any(r is None for r in recs):
                    raise ApiError(404, "Not Found: invalid receiver")
            else:
                if count is None or int(count) < 0:
                    raise ValueError("count or receiver_ids required")
                recs = sorted((r for r in group.receivers.values() if r.active),
                              key=lambda r: int(r.id) if r.id.isdigit() else 0)[:int(count)]
            now = self.now()
            for rec in recs:
                self._unsubscribe_rec(rec, now, "0")
            group.touch(now)
            return [r.id for r in recs]

    def confirm_doi(self, client_id: str, group_id: Any, email: str) -> dict:
        """The person confirms the double opt-in mail: a pending receiver becomes active."""
        with self.lock:
            account = self._account(client_id)
            group = self.group(account, str(group_id))
            rec = self.by_email(group, str(email).strip())
            if rec is None:
                raise ApiError(404, "Not Found: invalid receiver")
            now = self.now()
            if not rec.locked and (not rec.activated or rec.deactivated):
                rec.activated = now
                rec.deactivated = 0
            rec.last_changed = now
            self._add_event(rec, (now, "doi_confirm", "0", "127.0.0.1", "0", group.id))
            group.touch(now)
            return {"id": rec.id, "active": rec.active}

    # ------------------------------------------------------------------ events

    def _on_unlock(self) -> None:
        """The end of an operation: judge its receiver changes and queue the matching deliveries."""
        dirty = self._hook_dirty
        if not dirty:
            return
        self._hook_dirty = {}
        s = self.settings
        batch: list[Delivery] = []
        dispatcher = self.webhooks
        for rec, hints in dirty.items():
            events = judge(rec, hints, s)
            rec.hook_seen = None if rec.deleted else rec.active
            if not events:
                continue
            group = rec.group
            regs = group.account.eventhooks
            for event in events:
                for reg in regs:
                    if reg.matches(event, group.id):
                        batch.append(Delivery(dispatcher.new_id(), reg, event, group.id, rec.id, rec.email))
        dispatcher.submit(batch)
