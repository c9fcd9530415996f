"""Where the integration's private state lives, as seen from a CRM engine.

The private state (runs, plans, the receivers a list owns, watermarks, leases, grants, the migration record)
lives apart from the CRM: in its own schema on PostgreSQL (``cleverreach`` unless the CRM connection's extra
``state_schema`` names another), in the same file on SQLite, or behind a connection of its own (the CRM
connection's extra ``state_conn_id``). A store is handed the CRM engine and finds the state engine here:
the hook that built both binds them with SQLAlchemy execution options, so no call site changes when a
deployment moves its state.
"""

from __future__ import annotations

from sqlalchemy import Engine

from cleverreach.crm.sql import state_tokens

STATE_SCHEMA_OPTION = "cleverreach_state_schema"
STATE_ENGINE_OPTION = "cleverreach_state_engine"
DEFAULT_STATE_SCHEMA = "cleverreach"


def state_engine_of(engine: Engine) -> Engine:
    """The engine of the private state: the one bound to ``engine``, else ``engine`` itself."""
    return engine.get_execution_options().get(STATE_ENGINE_OPTION) or engine


def state_schema_of(engine: Engine) -> str | None:
    """The private state's schema on a state engine (PostgreSQL); None on SQLite, where it is the file itself."""
    if engine.dialect.name == "sqlite":
        return None
    return engine.get_execution_options().get(STATE_SCHEMA_OPTION) or DEFAULT_STATE_SCHEMA


def with_state(crm_engine: Engine, state_engine: Engine) -> Engine:
    """``crm_engine`` with its private state on ``state_engine`` (shares the CRM engine's pool)."""
    return crm_engine.execution_options(**{STATE_ENGINE_OPTION: state_engine})


def state_table(state_engine: Engine, table: str) -> str:
    """The qualified name of a private table, for statements built in code (bulk writes)."""
    tokens = state_tokens(state_engine.dialect.name, state_schema_of(state_engine))
    return f"{tokens['state']}.{table}"
