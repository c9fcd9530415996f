"""Adopt the private state of release 0.1, once: ``python -m cleverreach.crm.adopt_legacy [--conn-id hyperspace_crm]``.

A deployment upgraded from release 0.1 keeps the integration's tables among the CRM's; ``migrate`` refuses to start
on it. This command moves or copies them where the private state lives now (``cleverreach.crm.legacy``) and applies
the migrations, without losing a row. Run it once, with the DAGs paused, as the database role that created the old
tables; then ``python -m cleverreach.crm.migrate`` (or any DAG) finds nothing left to do. On a CRM without them, or
already adopted, it changes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sqlalchemy import Engine

from cleverreach.crm.legacy import adopt_legacy_state
from cleverreach.crm.migrate import arguments, run_on_crm
from cleverreach.crm.migrations import apply_migrations, ensure_state_schema
from cleverreach.crm.state import state_engine_of
from cleverreach.hooks.crm import CrmHook


def adopt(engine: Engine) -> list[str]:
    """Adopt the tables of release 0.1 into the private state bound to ``engine`` and migrate it; returns the
    versions applied now (the migrations, then ``legacy/adopted``), or nothing when there is nothing to adopt."""
    state = state_engine_of(engine)
    ensure_state_schema(state)
    adoption = adopt_legacy_state(engine, state)
    if adoption is None:
        return []
    # the order matters: the old tables move first, the chain then completes them (or creates the tables a copy fills)
    return [*apply_migrations(state), *adoption.finish()]


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments("python -m cleverreach.crm.adopt_legacy", __doc__, argv)
    return run_on_crm(args.conn_id, lambda hook: adopt(hook.engine),
                      done="Adopted the private state of release 0.1; applied: {}",
                      nothing="Nothing to adopt: the CRM holds no un-adopted tables of release 0.1")


if __name__ == "__main__":
    sys.exit(main())
