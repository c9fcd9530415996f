"""Lists per mapped task: a run over many lists maps one task per batch of lists, not one per list (issue 22).

Every mapped task pays Airflow's start-up (a process, the imports, the API-server calls: one to two CPU seconds),
which for a list of a few members is most of the work: 600 lists of 200 tenants took longer to start than to
sync. A batch's task syncs its lists one after another, each in its own ``try`` (``operators.sync_recipients``).

The rules, pure and testable without Airflow:

* a tenant's lists stay together (one hook, one token, one login check per tenant and batch), in the order the
  CRM gave them; only a tenant with more lists than a batch holds is cut into full batches;
* a batch holds at most ``per_task`` lists, and fewer when the run is small: the run is spread over at least
  ``spread`` tasks (the run's parallelism), so a run of up to ``spread`` lists still maps one task per list;
* a batch of one list is the list's own kwargs (``tenant_id``, ``cleverreach_conn_id``, ``list_id``), exactly as
  before batching; a batch of several is ``{"lists": [...], "lists_label": ...}``, the label its map
  index shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_LISTS_PER_TASK = 25
"""Lists one mapped task syncs at most (``[cleverreach] lists_per_task``): measured with ``make bench`` kind
``fanout-celery`` (docs/operations.md)."""
DEFAULT_SPREAD = 8
"""Tasks a run is spread over at least when ``[cleverreach] tenant_parallelism`` is not set (its compose value)."""


def batch_size(count: int, per_task: int, spread: int) -> int:
    """Lists per batch for a run of ``count`` lists: at most ``per_task``, and small enough that the run makes at
    least ``spread`` tasks while it has that many lists."""
    per_task, spread = max(1, int(per_task)), max(1, int(spread))
    return max(1, min(per_task, math.ceil(count / spread)))


def batch_lists(targets: Sequence[Mapping[str, Any]], per_task: int,
                spread: int = DEFAULT_SPREAD) -> list[dict[str, Any]]:
    """The mapped kwargs of a run's lists (``targets``: ``{tenant_id, cleverreach_conn_id, list_id}`` each, grouped
    by tenant as the CRM returns them): see the module's rules."""
    size = batch_size(len(targets), per_task, spread)
    tenants: dict[str, list[dict[str, Any]]] = {}
    for target in targets:
        tenants.setdefault(str(target["tenant_id"]), []).append(dict(target))
    batches: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for lists in tenants.values():
        for start in range(0, len(lists), size):
            part = lists[start:start + size]
            if current and len(current) + len(part) > size:
                batches.append(current)
                current = []
            current = current + part
    if current:
        batches.append(current)
    return [batch[0] if len(batch) == 1 else {"lists": batch, "lists_label": batch_label(batch)} for batch in batches]


def batch_tenants(tenants: Sequence[Mapping[str, Any]], per_task: int,
                  spread: int = DEFAULT_SPREAD) -> list[dict[str, Any]]:
    """The mapped kwargs of a run's tenants (``{tenant_id, cleverreach_conn_id}`` each) for a per-tenant operator that
    works through a batch (the import): the same sizes as :func:`batch_lists`; one tenant's kwargs stay as they are,
    several are ``{"tenants": [...], "tenants_label": "t001..t008: 8 tenants"}``."""
    size = batch_size(len(tenants), per_task, spread)
    batches = [[dict(t) for t in tenants[start:start + size]] for start in range(0, len(tenants), size)]
    return [batch[0] if len(batch) == 1 else
            {"tenants": batch, "tenants_label": f"{batch[0]['tenant_id']}..{batch[-1]['tenant_id']}: {len(batch)} tenants"}
            for batch in batches]


def batch_label(lists: Sequence[Mapping[str, Any]]) -> str:
    """What a batch's map index shows: ``acme/41`` (one list), ``acme: 3 lists``, ``t001..t008: 24 lists``."""
    if len(lists) == 1:
        return f"{lists[0]['tenant_id']}/{lists[0]['list_id']}"
    tenants = list(dict.fromkeys(str(item["tenant_id"]) for item in lists))
    who = tenants[0] if len(tenants) == 1 else f"{tenants[0]}..{tenants[-1]}"
    return f"{who}: {len(lists)} lists"


def batch_items(kwargs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The lists (tenants) of one mapped kwargs item, a batch or a single one (the summary's expected rows)."""
    for key in ("lists", "tenants"):
        if key in kwargs:
            return [dict(item) for item in kwargs[key]]
    return [dict(kwargs)]
