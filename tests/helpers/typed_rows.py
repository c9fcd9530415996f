"""Random rows with NULLs in every column, for the reads that must type a frame as ``pd.read_sql`` does
(``sync.frames``, ``sync.columnar``)."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone


def random_rows(rnd: random.Random, trial: int, *, null_share: float = 0.7, wide: bool = False) -> list[dict]:
    """A few rows (``k`` numbers them), NULLs often (every third trial: ``null_share``, so that a column or a chunk
    holds NULLs only) or now and then; ``wide`` adds texts that look like numbers, times with a zone and dates."""
    share = null_share if trial % 3 == 0 else 0.2

    def maybe(value):
        return None if rnd.random() < share else value

    texts = ["a", "1", "", "ü", "0042"] if wide else ["a", "1", "", "ü"]
    rows = []
    for k in range(rnd.randint(1, 12)):
        row = {"k": k, "i": maybe(rnd.randint(-5, 5)), "s": maybe(rnd.choice(texts)), "f": maybe(rnd.random()),
               "d": maybe(datetime(2026, 1, 1 + k)), "b": maybe(rnd.random() < 0.5)}
        if wide:
            row.update(t=maybe(datetime(2026, 3, 29, 1, k, tzinfo=timezone.utc)), day=maybe(date(2026, 10, 1 + k)))
        rows.append(row)
    return rows
