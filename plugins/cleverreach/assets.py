"""The Airflow assets the provider's DAGs produce, so that a customer's DAG can run on them.

Tenants and lists are known only when a run maps over them, so each producing task declares a static
:class:`~airflow.sdk.AssetAlias` (known at parse time, no DB or network) and, only when it actually
wrote something, adds an event for the concrete asset of its tenant (or list) through that alias. A
dry run, or a run that wrote nothing, emits no event. A customer DAG schedules on the alias (every
tenant) or on one concrete asset (one tenant or list)::

    schedule=[AssetAlias("cleverreach_contact_history")]
    schedule=[Asset("cleverreach://tenants/acme/contact_history")]

The URIs name the CRM tenant (and list) and the data: ``cleverreach://tenants/<tenant>/contact_history``
(rows in the CRM's ``contact_history``) and ``cleverreach://tenants/<tenant>/lists/<list>/recipients``
(a CRM recipient list written to its CleverReach group). Ids are percent-encoded, so any tenant id makes
one stable URI; the asset's name is its URI. An event's ``extra`` holds counts and ids, never personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from airflow.sdk import Asset, AssetAlias

SCHEME = "cleverreach"
CONTACT_HISTORY_ALIAS = AssetAlias("cleverreach_contact_history")
LIST_RECIPIENTS_ALIAS = AssetAlias("cleverreach_list_recipients")

# the counts an event carries (all integers of the task's summary; nothing that names a person)
HISTORY_COUNTS = ("mailings_seen", "mailings_loaded", "mailings_failed", "rows_inserted", "rows_existing", "unmatched",
                  "consent_updates")
SYNC_COUNTS = ("added", "updated", "reactivated", "removed", "rejected", "unchanged", "failed", "remote_member_count")
SYNC_WRITES = ("added", "updated", "reactivated", "removed")


def _segment(value: object) -> str:
    """One URI path segment: every character but letters, digits and ``-._~`` percent-encoded."""
    text = str(value)
    if not text.strip():
        raise ValueError("an asset id must not be empty")
    return quote(text, safe="")


def contact_history_uri(tenant_id: str) -> str:
    return f"{SCHEME}://tenants/{_segment(tenant_id)}/contact_history"


def list_recipients_uri(tenant_id: str, list_id: int | str) -> str:
    return f"{SCHEME}://tenants/{_segment(tenant_id)}/lists/{_segment(list_id)}/recipients"


def contact_history_asset(tenant_id: str) -> Asset:
    """The contact history of one tenant (its name is its URI, as ``Asset(uri)`` makes it)."""
    uri = contact_history_uri(tenant_id)
    return Asset(name=uri, uri=uri)


def list_recipients_asset(tenant_id: str, list_id: int | str) -> Asset:
    """One recipient list's receivers in its CleverReach group."""
    uri = list_recipients_uri(tenant_id, list_id)
    return Asset(name=uri, uri=uri)


def _counts(summary: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, int]:
    return {name: int(summary[name]) for name in names if isinstance(summary.get(name), int)}


def history_event(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``extra`` of a history load's event, or None when it inserted no row."""
    if int(summary.get("rows_inserted") or 0) <= 0:
        return None
    extra: dict[str, Any] = {"tenant_id": str(summary["tenant_id"]), **_counts(summary, HISTORY_COUNTS)}
    for name in ("window_start", "watermark"):  # unix seconds of the mailings' finish times read
        if isinstance(summary.get(name), int):
            extra[name] = summary[name]
    return extra


def sync_event(summary: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``extra`` of a list sync's event, or None for a dry run or a run that changed nothing in CleverReach."""
    if summary.get("dry_run") is not False:
        return None
    if sum(int(summary.get(name) or 0) for name in SYNC_WRITES) <= 0:
        return None
    extra: dict[str, Any] = {"tenant_id": str(summary["tenant_id"]), "list_id": str(summary["list_id"]),
                             **_counts(summary, SYNC_COUNTS)}
    if summary.get("sync_run_id") is not None:
        extra["sync_run_id"] = int(summary["sync_run_id"])
    if summary.get("status") is not None:
        extra["status"] = str(summary["status"])
    return extra


def emit(context: Mapping[str, Any], alias: AssetAlias, asset: Asset, extra: dict[str, Any] | None) -> bool:
    """Add the event (``extra`` None: none) through ``alias``, which must be among the task's outlets. Outside a
    task run (an operator's ``execute`` called directly) there are no outlet events and nothing is emitted."""
    if extra is None or "outlet_events" not in context:
        return False
    context["outlet_events"][alias].add(asset, extra=extra)
    return True
