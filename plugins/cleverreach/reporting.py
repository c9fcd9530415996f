"""Plain-text tables for task logs and the demo."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def format_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A fixed-width table; None shows as an empty cell."""
    cells = [[("" if row.get(col) is None else str(row.get(col))) for col in columns] for row in rows]
    widths = [max([len(col)] + [len(line[i]) for line in cells]) for i, col in enumerate(columns)]
    def line(values: Sequence[str]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths)).rstrip()
    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(values) for values in cells]
    return "\n".join(out)
