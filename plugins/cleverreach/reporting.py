"""Plain-text tables for task logs and the demo, and the per-run summary of mapped tasks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowFailException


def format_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A fixed-width table; None shows as an empty cell."""
    cells = [[("" if row.get(col) is None else str(row.get(col))) for col in columns] for row in rows]
    widths = [max([len(col)] + [len(line[i]) for line in cells]) for i, col in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths)).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(values) for values in cells]
    return "\n".join(out)


def summarize_results(
    results: Sequence[Mapping[str, Any] | None],
    expected: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    key: str = "tenant_id",
) -> list[dict[str, Any]]:
    """
    Print the results of a mapped task as a table; fail if any expected item produced none.

    The summary runs with trigger rule ``all_done`` so that it reports even when a tenant failed;
    failing here keeps the DAG run red in that case (the leaf task decides the run's state).
    """
    # Index instead of iterating: iterating Airflow's lazy XCom sequence probes one past the end
    # and logs a spurious "XCom not found" error.
    rows = [dict(row) for i in range(len(results)) for row in _items(results[i])]
    print(format_table(rows, columns))
    done = {_ident(r, key) for r in rows}
    missing = [_ident(item, key) for batch in expected for item in _items(batch) if _ident(item, key) not in done]
    if missing:
        raise AirflowFailException(f"no result for {len(missing)} of the mapped tasks: {missing}; see their logs")
    failed = [_ident(r, key) for r in rows if r.get("status") == "failed"]
    if failed:
        raise AirflowFailException(f"{len(failed)} of the mapped items failed: {failed}; see their tasks' logs")
    return rows


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The rows of one mapped result or kwargs item: a row, a batch's rows (a list), or its ``lists`` or ``tenants``
    (``cleverreach.lists.batches``)."""
    if not value:
        return []
    if isinstance(value, Mapping):
        from cleverreach.lists.batches import batch_items

        return batch_items(value)
    return [row for row in value if row]


def _ident(row: Mapping[str, Any], key: str) -> Any:
    return (row.get(key), row.get("list_id")) if "list_id" in row else row.get(key)


def summary_task(columns: Sequence[str]):  # noqa: ANN201 - a TaskFlow task
    """The DAGs' last task: a table of the mapped results, failing the run when an item produced none."""
    from airflow.sdk import task

    @task(task_id="summarize", trigger_rule="all_done")
    def summarize(results: list[dict], expected: list[dict]) -> list[dict]:
        return summarize_results(results, expected, columns)

    return summarize
