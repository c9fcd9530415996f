"""The tenant lifecycle's rules (pure: no Airflow, no database): what an admin's rename or move asks for, when it
is refused, and what becomes of the private state and the members.

- **Rename** (the CRM re-keyed tenant OLD as NEW and renamed its own rows): every private row of OLD becomes
  NEW's. Refused while OLD has a running sync, when NEW is not a tenant of the CRM, or when NEW has private state
  of its own that would mix with OLD's (runs, mailing records, an account binding). Grants, a login check and
  audit events of NEW do not refuse: grants are merged, NEW's newer login check is kept, the trails merge. A rename retried after
  it succeeded finds nothing of OLD and NEW's state in place: it converges and changes nothing.
- **Move** (the tenant's connection now logs into another CleverReach account): the account binding is released
  (the next login check binds the new account), what the private state knows of the old account's groups is
  cleared, the tenant's lists are marked gone (so that neither a sync nor the import's "is it really gone?" read
  ever sends an old group id to the new account; the next import revives a list whose group the new account
  has), and the members that were in CleverReach become ``pending``. Refused while a sync of the tenant runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cleverreach.clock import as_utc
from cleverreach.enums import MemberState

TENANT_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")  # as the page's path accepts it (cleverreach.ui.security)

# Private tables whose rows of NEW would mix with OLD's: a rename into them is refused. NEW's audit events alone
# (e.g. a grant of NEW made ahead of the rename) do not: the two trails merge in id order.
BLOCKING_TABLES = ("sync_run", "mail_history_mailing", "cleverreach_tenant_account")

# After a move, a member the old account held (or refused) is not in the new one: it shows pending until the next
# sync. An unsubscribe is the person's own will and holds in every account (the sync never adds such a member).
RESET_TO_PENDING = (MemberState.SYNCED, MemberState.UNCONFIRMED, MemberState.REJECTED, MemberState.BOUNCED)
KEPT_ON_MOVE = (MemberState.UNSUBSCRIBED,)


class TenantAction(StrEnum):
    """The DAG's ``action`` param."""

    RENAME = "rename"
    MOVE = "move"


class TenantLifecycleError(ValueError):
    """A request that is refused; the message says why and that nothing was changed."""


@dataclass(frozen=True)
class TenantRequest:
    """One admin action: ``tenant`` is the tenant acted on (for a rename: OLD), ``confirm`` must repeat it."""

    action: TenantAction
    tenant: str
    new_tenant_id: str | None = None

    @classmethod
    def of(cls, action: Any, tenant: Any, new_tenant_id: Any = None, confirm: Any = None) -> TenantRequest:
        """Check the parameters as a trigger form or the page hands them over (ids may arrive as numbers)."""
        try:
            kind = TenantAction(str(action or "").strip().lower())
        except ValueError:
            raise TenantLifecycleError(f"action must be one of {', '.join(a.value for a in TenantAction)}, "
                                       f"got {action!r}; nothing was changed") from None
        tenant_id = _tenant_id(tenant, "tenant")
        if _text(confirm) != tenant_id:
            raise TenantLifecycleError(f"confirm must repeat the tenant id {tenant_id!r} exactly; nothing was changed")
        new_id = _text(new_tenant_id)
        if kind is TenantAction.RENAME:
            new_id = _tenant_id(new_id, "new_tenant_id")
            if new_id == tenant_id:
                raise TenantLifecycleError(f"new_tenant_id is the tenant id {tenant_id!r} itself; nothing was changed")
        elif new_id:
            raise TenantLifecycleError("new_tenant_id belongs to a rename; a move keeps the tenant id. Nothing was changed")
        return cls(kind, tenant_id, new_id or None)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _tenant_id(value: Any, name: str) -> str:
    text = _text(value)
    if not TENANT_ID.match(text):
        raise TenantLifecycleError(f"{name} must be a tenant id (letters, digits, '_', '.', '-'; up to 100), "
                                   f"got {value!r}; nothing was changed")
    return text


def live_leases(running: Iterable[Mapping[str, Any]], now: datetime, lease_timeout: timedelta) -> list[Mapping[str, Any]]:
    """The running syncs whose holder showed life (heartbeat, else start) within the lease timeout; a stale one
    is taken over by the next sync of its list (``RunLedger.start_run``) and does not hold an admin action up."""
    live = []
    for row in running:
        seen = as_utc(row.get("heartbeat_at") or row.get("started_at"))
        if seen is None or now - seen <= lease_timeout:
            live.append(row)
    return live


def refuse_running(tenant_id: str, leases: list[Mapping[str, Any]]) -> None:
    """No admin action while a sync of the tenant holds a lease."""
    if leases:
        runs = ", ".join(f"sync_run {row['id']} of list {row['list_id']} ({row['dag_id']} {row['run_id']})"
                         for row in leases)
        raise TenantLifecycleError(f"tenant {tenant_id!r} has a running sync: {runs}; try again when it has "
                                   "finished. Nothing was changed")


def rename_verdict(old: str, new: str, *, old_in_crm: bool, new_in_crm: bool, old_state: Mapping[str, int],
                   new_state: Mapping[str, int]) -> bool:
    """Whether the rename has rows to move (False: done before, or nothing to do); refuses what may not be renamed.
    ``*_in_crm``: the id is an active tenant of the CRM; ``*_state`` count the private rows per table of each id."""
    if old_in_crm:
        raise TenantLifecycleError(f"tenant {old!r} is still a tenant of the CRM: its private state stays its own. "
                                   "Rename it in the CRM first. Nothing was changed")
    if not new_in_crm:
        raise TenantLifecycleError(f"tenant {new!r} is not an active tenant of the CRM: rename tenant {old!r} in the "
                                   "CRM first, then its private state. Nothing was changed")
    old_rows = sum(old_state.values())
    clashing = {table: n for table, n in new_state.items() if table in BLOCKING_TABLES and n}
    if old_rows and clashing:
        held = ", ".join(f"{table}: {n}" for table, n in sorted(clashing.items()))
        raise TenantLifecycleError(f"tenant {new!r} already has private state of its own ({held}); renaming "
                                   f"{old!r} into it would mix two histories. Nothing was changed")
    return bool(old_rows)
