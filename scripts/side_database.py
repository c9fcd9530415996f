"""`make test`'s side lane: ``python -m scripts.side_database URL`` prints the URL of ``<db>_side`` on the server of
URL (created on demand), or nothing when URL is empty (no PostgreSQL: the lane's PostgreSQL cases skip)."""

from __future__ import annotations

import sys

from scripts.airflow_env import sibling_postgres_database


def main(argv: list[str]) -> int:
    url = argv[0] if argv else ""
    print(sibling_postgres_database(url, "side") if url else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
