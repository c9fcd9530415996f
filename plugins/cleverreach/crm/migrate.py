"""Migrate the integration's private state: ``python -m cleverreach.crm.migrate [--conn-id hyperspace_crm]``.

``airflow-init`` (docker-compose) and ``make airflow`` run it before any DAG does; the first task of every DAG run
does the same, so a deployment upgraded without it still works. Running it again changes nothing. Exit status 0
when the state is up to date; 1 with the reason on stderr (a missing connection, or a CRM that still holds the
un-adopted tables of release 0.1: then ``python -m cleverreach.crm.adopt_legacy`` comes first).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from airflow.sdk.exceptions import AirflowNotFoundException

from cleverreach.exceptions import CleverReachConfigError
from cleverreach.hooks.crm import CrmHook


def arguments(prog: str, doc: str | None, argv: Sequence[str] | None) -> argparse.Namespace:
    """The commands' one option: the CRM connection."""
    parser = argparse.ArgumentParser(prog=prog, description=(doc or "").split("\n\n")[0])
    parser.add_argument("--conn-id", default=CrmHook.default_conn_name,
                        help=f"Airflow connection of the CRM database (default {CrmHook.default_conn_name})")
    return parser.parse_args(argv)


def run_on_crm(conn_id: str, action: Callable[[CrmHook], list[str]], *, done: str, nothing: str) -> int:
    """Run ``action`` on the connection's hook, say what it applied (``done`` names the versions) or ``nothing``;
    a refusal or a missing connection is one line on stderr and exit status 1, not a traceback."""
    hook = CrmHook(conn_id)
    try:
        applied = action(hook)
    except (CleverReachConfigError, AirflowNotFoundException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        hook.dispose()
    print(done.format(", ".join(applied)) if applied else nothing)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments("python -m cleverreach.crm.migrate", __doc__, argv)
    return run_on_crm(args.conn_id, CrmHook.migrate, done="Applied migrations of the private state: {}",
                      nothing="The private state is up to date")


if __name__ == "__main__":
    sys.exit(main())
