"""Hook for the hyperspace CRM database (connection ``hyperspace_crm``).

Follows Airflow's field conventions so the same connection works from the UI and as an
``AIRFLOW_CONN_HYPERSPACE_CRM`` JSON variable: ``conn_type`` ``postgres`` (host, port, login,
password, schema = database) or ``sqlite`` (host = path of the database file).

Two extras place the integration's private state (``cleverreach.crm.state``): ``state_schema`` (PostgreSQL,
default ``cleverreach``) and ``state_conn_id``, a connection of its own for it (then the CRM role needs no
right beyond reading the CRM and writing its lists, members and history).
"""

from __future__ import annotations

from functools import cache, cached_property
from typing import Any

from airflow.sdk import BaseHook
from sqlalchemy import URL, Engine, create_engine, event

from cleverreach.crm.migrations import check_migrated, migrate
from cleverreach.crm.state import DEFAULT_STATE_SCHEMA, STATE_SCHEMA_OPTION, state_engine_of, with_state
from cleverreach.exceptions import CleverReachConfigError


def engine_from_fields(conn_type: str, *, host: str | None, port: int | None = None, login: str | None = None,
                       password: str | None = None, schema: str | None = None,
                       extra: dict[str, Any] | None = None) -> Engine:
    """Build the SQLAlchemy engine for a CRM connection's fields."""
    conn_type = (conn_type or "").lower()
    if conn_type == "sqlite":
        path = host or schema
        if not path:
            raise CleverReachConfigError("sqlite CRM connection needs the database file path in host")
        engine = create_engine(URL.create("sqlite+pysqlite", database=path), connect_args={"timeout": 60},
                               hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    if conn_type in ("postgres", "postgresql"):
        query = {k: str(v) for k, v in (extra or {}).items() if k in ("sslmode", "sslrootcert", "application_name", "options")}
        url = URL.create("postgresql+psycopg2", username=login or None, password=password or None,
                         host=host or None, port=port or None, database=schema or None, query=query)
        state_schema = str((extra or {}).get("state_schema") or DEFAULT_STATE_SCHEMA)
        engine = create_engine(url, pool_pre_ping=True, insertmanyvalues_page_size=5000, hide_parameters=True,
                               execution_options={STATE_SCHEMA_OPTION: state_schema})
        _utc_sessions(engine)
        return engine
    raise CleverReachConfigError(f"CRM connection type {conn_type!r} is not supported (use postgres or sqlite)")


def _utc_sessions(engine: Engine) -> None:
    """Every PostgreSQL session in UTC: an aware time written into a CRM column without time zone lands as UTC,
    and one read from it means UTC (``cleverreach.clock``), whatever the server's default zone."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.close()
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, a page cache for million-row writes, and write transactions that take the lock
    up front.

    pysqlite's own transaction handling starts transactions late and lets DDL run outside them; we
    take over (SQLAlchemy's documented recipe) so that every transaction is ``BEGIN IMMEDIATE``:
    concurrent mapped tasks then wait for each other (busy timeout) instead of failing on a lock
    upgrade.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MB of page cache (default 2 MB): a million-row plan's e-mail index is written without spilling
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class CrmHook(BaseHook):
    """
    The CRM database as a SQLAlchemy engine.

    :param crm_conn_id: Airflow connection of the CRM database (``hyperspace_crm``).
    """

    conn_name_attr = "crm_conn_id"
    default_conn_name = "hyperspace_crm"
    conn_type = "sqlite"
    hook_name = "hyperspace CRM"

    def __init__(self, crm_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.crm_conn_id = crm_conn_id

    @cached_property
    def engine(self) -> Engine:
        """The CRM's engine, bound to the private state's engine when the extra ``state_conn_id`` names one."""
        conn = self.get_connection(self.crm_conn_id)
        extra = conn.extra_dejson
        crm = engine_from_fields(conn.conn_type, host=conn.host, port=conn.port, login=conn.login,
                                 password=conn.password, schema=conn.schema, extra=extra)
        state_conn_id = extra.get("state_conn_id")
        if not state_conn_id:
            return crm
        if state_conn_id == self.crm_conn_id:
            raise CleverReachConfigError(f"connection {self.crm_conn_id!r}: state_conn_id names the CRM connection itself")
        state = self.get_connection(str(state_conn_id))
        return with_state(crm, engine_from_fields(state.conn_type, host=state.host, port=state.port, login=state.login,
                                                  password=state.password, schema=state.schema,
                                                  extra=state.extra_dejson))

    def get_conn(self) -> Engine:
        return self.engine

    def migrate(self) -> list[str]:
        """Bring the integration's tables up to date; returns the migrations applied now. Only the first task of a
        DAG run, the migrate command and the UI call it (``cleverreach.crm.migrations``)."""
        return migrate(self.engine)

    def check_migrated(self) -> None:
        """Raise ``StateNotMigratedError`` unless the integration's tables are up to date (one cheap read)."""
        check_migrated(self.engine)

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            state = state_engine_of(self.engine)
            if state is not self.engine:
                state.dispose()
            self.engine.dispose()


@cache
def api_server_engine(conn_id: str = CrmHook.default_conn_name) -> Engine:
    """One engine per API-server process for the page's API and the webhook endpoint alike, the private state
    migrated once (a page view or an event may come before any DAG run)."""
    hook = CrmHook(conn_id)
    hook.migrate()
    return hook.engine
