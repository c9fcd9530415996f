"""The rows a run stores for its plan (``sync_change``): every planned write with its reason and old/new values,
and every member left alone with the state it ends in. Pure: the run ledger writes them (``sync.ledger``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from json.encoder import encode_basestring
from typing import Any

import numpy as np
import pandas as pd

from cleverreach.crm.keys import as_key
from cleverreach.enums import ChangeAction, ChangeResult, MemberState, RemovalMode
from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.json_columns import json_objects, json_strings, text_column
from cleverreach.sync.keys import key_column
from cleverreach.sync.plan import SyncPlan

PLAN_CHUNK = 100_000  # stored plan rows built and written at a time
CHANGE_COLUMNS = ("run_id", "list_id", "contact_person_id", "email", "action", "reason", "old_value", "new_value",
                  "result", "error")


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def _values(series: pd.Series) -> list[Any]:
    """A column as Python values, a missing one (None, NaN, NA) as None."""
    return series.astype("object").where(series.notna(), None).tolist()


def _json_objects(columns: dict[str, pd.Series]) -> list[str]:
    """Per row, the JSON object of these columns (key: column name) exactly as :func:`_json` writes it.

    Text columns are joined by Arrow (``sync.json_columns``): a million rows without a dict and a ``json.dumps``
    call each. Without pyarrow (an optional dependency) text values are encoded a column at a time by the encoder
    ``json.dumps`` itself uses and joined by one template. A column with anything but text goes the row-by-row way.
    """
    texts = {name: text_column(values) for name, values in columns.items()}
    if all(text is not None for text in texts.values()):
        return json_objects({name: json_strings(text) for name, text in texts.items()}).to_pylist()
    names = sorted(columns)
    values = [columns[name].tolist() for name in names]
    if not all(type(value) is str for column in values for value in column):
        return [_json(dict(zip(names, row))) for row in zip(*values)]
    template = "{{" + ", ".join(encode_basestring(name) + ": {}" for name in names) + "}}"
    encoded = [[encode_basestring(value) for value in column] for column in values]
    return [template.format(*row) for row in zip(*encoded)]


def _rows(run_pk: int, list_id: str, chunk: pd.DataFrame, email: str, action: str | list[str],
          old: Sequence[Any] | None = None, new: Sequence[Any] | None = None, results: Sequence[str] | None = None,
          contact_ids: Sequence[Any] | None = None, errors: Sequence[str | None] | None = None) -> list[tuple[Any, ...]]:
    size = len(chunk)
    return list(zip(
        repeat(run_pk, size), repeat(as_key(list_id), size),
        _values(key_column(chunk["contact_person_id"])) if contact_ids is None else contact_ids,
        _values(chunk[email]), repeat(str(action), size) if isinstance(action, str) else action,
        _values(chunk["reason"]), repeat(None, size) if old is None else old, repeat(None, size) if new is None else new,
        repeat(str(ChangeResult.PLANNED), size) if results is None else results,
        repeat(None, size) if errors is None else errors,
    ))


def write_rows(run_pk: int, list_id: str, action: ChangeAction, chunk: pd.DataFrame, results: Sequence[str] | None = None,
               errors: Sequence[str | None] | None = None) -> list[tuple[Any, ...]]:
    """The ``sync_change`` rows of planned inserts (``ChangeAction.ADD``, rows of ``plan.adds``) or updates
    (``UPDATE``, rows of ``plan.updates``), with their results (``planned`` without) and errors: an applied run
    stores them as their batches are settled (``WRITE_ACTIONS``)."""
    if action == ChangeAction.ADD:
        new = _json_objects({name: chunk[name] for name in ATTRIBUTES})
        return _rows(run_pk, list_id, chunk, "email", action, new=new, results=results, errors=errors)
    if action != ChangeAction.UPDATE:
        raise ValueError(f"the rows of {action} are stored with the plan")
    olds, news = [], []
    for record in chunk.to_dict("records"):  # the changed fields differ per row
        changed = [n for n in ("ext_id", *ATTRIBUTES) if record[n] != record[f"{n}_old"]]
        olds.append(_json({n: record[f"{n}_old"] for n in changed}))
        news.append(_json({n: record[n] for n in changed}))
    return _rows(run_pk, list_id, chunk, "email_old", action, olds, news, results=results, errors=errors)


#: the actions whose rows an applied run stores as their batches settle, with their results (not ``planned``
#: first and each result marked after: a million updates of a million rows just written); the plan's frame of each
WRITE_ACTIONS = {ChangeAction.ADD: "adds", ChangeAction.UPDATE: "updates"}


def unsettled_write_rows(run_pk: int, list_id: str, plan: SyncPlan,
                         stored: dict[ChangeAction, int]) -> Iterator[list[tuple[Any, ...]]]:
    """The ``planned`` rows of the planned writes not stored yet: ``stored[action]`` rows of each were stored as
    their batches settled (in the plan's order), the rest are (a run blocked, failed or stopped midway)."""
    for action, name in WRITE_ACTIONS.items():
        frame = getattr(plan, name)
        for start in range(stored.get(action, 0), len(frame), PLAN_CHUNK):
            yield write_rows(run_pk, list_id, action, frame.iloc[start : start + PLAN_CHUNK])


def change_rows(run_pk: int, list_id: str, plan: SyncPlan, rejected: pd.DataFrame, *,
                removal_mode: str, writes: bool = True) -> Iterator[list[tuple[Any, ...]]]:
    """The ``sync_change`` rows (``CHANGE_COLUMNS``) of a plan: planned writes (without the inserts and updates
    when not ``writes``: see ``WRITE_ACTIONS``), and the members left alone with the state they end in as their
    result. Built column-wise, ``PLAN_CHUNK`` rows at a time: a million-row plan is never a million tuples (or
    JSON texts) at once."""

    def rows(chunk: pd.DataFrame, email: str, action: str | list[str], old: Sequence[Any] | None = None,
             new: Sequence[Any] | None = None, results: Sequence[str] | None = None,
             contact_ids: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return _rows(run_pk, list_id, chunk, email, action, old, new, results, contact_ids)

    def reactivations(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
        return rows(chunk, "email", ChangeAction.REACTIVATE)

    def removals(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
        erase = chunk["erase"].to_numpy(dtype=bool) | ((removal_mode == RemovalMode.DELETE) & ~chunk["deactivate"].to_numpy(dtype=bool))
        actions = np.where(erase, str(ChangeAction.REMOVE), str(ChangeAction.DEACTIVATE)).tolist()
        cids = _values(key_column(chunk["contact_person_id"]))
        return rows(chunk, "email", actions, _json_objects({"ext_id": chunk["ext_id"]}), contact_ids=cids)

    def left_alone(state: MemberState | None, kind: ChangeAction) -> Callable[[pd.DataFrame], list[tuple[Any, ...]]]:
        def build(chunk: pd.DataFrame) -> list[tuple[Any, ...]]:
            states = pd.Series(str(state), index=chunk.index) if state else chunk["sync_state"].astype("str")
            results = states.where(states != MemberState.PENDING, str(ChangeResult.REJECTED))
            for value in results.unique():
                ChangeResult(value)  # a state without a result is an error, as before
            emails = chunk["email"].where(chunk["email"].notna() & (chunk["email"] != ""), None)
            return rows(chunk.assign(email=emails), "email", kind, new=_json_objects({"sync_state": states}),
                        results=results.tolist())
        return build

    if writes:
        yield from unsettled_write_rows(run_pk, list_id, plan, {})
    sections = (
        (plan.reactivations, reactivations),
        (plan.removes.assign(erase=plan.erasing, deactivate=plan.deactivating), removals),
        (rejected, left_alone(MemberState.REJECTED, ChangeAction.REJECT)),
        (plan.refused, left_alone(None, ChangeAction.REJECT)),
        (plan.unsubscribed, left_alone(MemberState.UNSUBSCRIBED, ChangeAction.KEEP)),
        (plan.bounced, left_alone(MemberState.BOUNCED, ChangeAction.KEEP)),
        (plan.unconfirmed, left_alone(MemberState.UNCONFIRMED, ChangeAction.KEEP)),
    )
    for frame, build in sections:
        for start in range(0, len(frame), PLAN_CHUNK):
            yield build(frame.iloc[start : start + PLAN_CHUNK])
