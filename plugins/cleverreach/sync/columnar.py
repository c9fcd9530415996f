"""Large reads straight into Arrow columns through PostgreSQL's ADBC driver, where it is installed.

A million members read through psycopg2 become a million tuples and ten million Python objects before pandas
types them again (5 to 6.5 s of the interpreter's time). The ADBC driver reads PostgreSQL's binary COPY format into
Arrow columns in C, outside the interpreter lock (2.4 s, most of it the query itself).

The frame is the one ``pd.read_sql`` makes of the same rows (``sync.frames.read_frame``'s contract): integers as
int64 (float64 with a NULL), a column of NULLs only as objects, booleans with a NULL as objects. Where that cannot
be promised, :func:`read_columnar` returns ``None`` and the caller reads the usual way:

- the driver is not installed (the provider's extra ``columnar``);
- the connection carries an argument libpq's URI does not take;
- a column's type converts differently (``numeric``, ``uuid``, ``bytea``, intervals, arrays);
- the database is not PostgreSQL. SQLite's ADBC driver types a column by the values of its first rows: a column
  of numbers and texts (keys of two types) came back as texts only, where ``pd.read_sql`` keeps each value's type,
  and telling the two apart cost a second pass as long as the read.

ADBC reads on a connection of its own: the callers read a whole list at the start of a plan, on a connection of
their own too, so no transaction or snapshot is lost. That connection costs about 76 ms (a new server process, the
driver's type catalogue), what psycopg2's typed rows cost for about 20,000 rows: :func:`read_large_columnar` asks
the planner first (``EXPLAIN``, about a millisecond) and leaves a shorter read to the usual way, so a sync of many
small lists does not pay it twice a list.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import pandas as pd
from sqlalchemy import Connection, Engine, TextClause
from sqlalchemy.engine.interfaces import Dialect


log = logging.getLogger(__name__)

#: libpq connection keywords a CRM connection may carry in its URL's query (``hooks.crm.engine_from_fields``)
LIBPQ_KEYWORDS = frozenset({"sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "options",
                            "connect_timeout", "target_session_attrs"})
#: what the PostgreSQL sessions of the CRM engine are set to (``hooks.crm._utc_sessions``), and strings read as
#: the SQL standard reads them (PostgreSQL's default since 9.1): a backslash in a written-in value is itself
UTC_OPTION = "-c TimeZone=UTC -c standard_conforming_strings=on"
#: a read the planner expects to be shorter goes the usual way (the module's docstring: the ADBC connection's cost)
COLUMNAR_MIN_ROWS = 20_000


def read_large_columnar(conn: Connection, statement: TextClause, params: dict[str, Any],
                        min_rows: int = COLUMNAR_MIN_ROWS) -> pd.DataFrame | None:
    """:func:`read_columnar` when PostgreSQL's planner expects at least ``min_rows`` rows (0: always), asked on
    ``conn``; ``None`` otherwise, and then nothing was read. An estimate that is wrong costs time, never rows:
    either read returns the same frame."""
    source = adbc_source(conn.engine)
    if source is None or (min_rows > 0 and planned_rows(conn, statement, params) < min_rows):
        return None
    return _read(source, statement, params)


def planned_rows(conn: Connection, statement: TextClause, params: dict[str, Any]) -> float:
    """The rows PostgreSQL's planner expects ``statement`` to return, from ``EXPLAIN`` on ``conn`` (nothing is
    executed). The values are bound as the read binds them, so the planner weighs the list's own id against the
    column's statistics."""
    expanded = statement.compile(dialect=conn.dialect).construct_expanded_state(params)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute("EXPLAIN (FORMAT JSON) " + expanded.statement, expanded.parameters)
        plan = cursor.fetchone()[0]  # psycopg2 and psycopg decode json
    finally:
        cursor.close()
    return float(plan[0]["Plan"]["Plan Rows"])


def read_columnar(engine: Engine, statement: TextClause, params: dict[str, Any]) -> pd.DataFrame | None:
    """``statement``'s rows as ``pd.read_sql`` types them, read by the database's ADBC driver; ``None`` where that
    is not possible (the module's docstring lists when), and then nothing was read."""
    source = adbc_source(engine)
    return None if source is None else _read(source, statement, params)


def _read(source: tuple[Callable[[], Any], Dialect], statement: TextClause, params: dict[str, Any]
          ) -> pd.DataFrame | None:
    connect, dialect = source
    streamed = with_values_written_in(statement, params, dialect)
    try:
        with connect() as connection, connection.cursor() as cursor:
            if streamed is not None:
                cursor.execute(streamed)
            else:
                expanded = statement.compile(dialect=dialect).construct_expanded_state(params)
                cursor.execute(expanded.statement, list(expanded.positional_parameters))
            reader = cursor.fetch_record_batch()
            if not all(_convertible(field.type) for field in reader.schema):
                log.info("columnar read not used: a column type converts differently (%s)",
                         ", ".join(str(field.type) for field in reader.schema if not _convertible(field.type)))
                return None
            table = reader.read_all()
    except Exception as exc:  # the driver's error: a refused connection, a statement it cannot run
        # the type only: a driver's message may quote a row's values (the usual read raises the error itself)
        log.info("columnar read not used: %s", type(exc).__name__)
        return None
    return arrow_to_frame(table)


def with_values_written_in(statement: TextClause, params: dict[str, Any], dialect: Dialect) -> str | None:
    """``statement`` with its values written in as SQL literals, or ``None`` where a value is not a whole number,
    a text or NULL (then it is bound). The driver streams a statement without parameters through ``COPY ... TO
    STDOUT (FORMAT binary)``, a batch at a time; one with parameters it runs as a prepared statement whose whole
    result libpq receives first: for a million members 641 MB at the peak against 380 MB, and 2.8 s against 2.2 s.

    The values are the stores' own (list, group and tenant keys), written by SQLAlchemy's literal rendering: a
    quote doubled, nothing else escaped, as the session reads strings (``standard_conforming_strings``, set on
    by :func:`libpq_uri`)."""
    values = [item for value in params.values() for item in (value if isinstance(value, list | tuple) else [value])]
    if not all(value is None or type(value) is int or (type(value) is str and "\x00" not in value) for value in values):
        return None
    known = {name: value for name, value in params.items() if name in statement._bindparams}  # noqa: SLF001
    try:
        sql = str(statement.bindparams(**known).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # noqa: BLE001 - a value SQLAlchemy cannot write in: bind it
        return None
    return sql.rstrip().rstrip(";") + "\n"  # the driver wraps it in COPY ( ... ): no ";", a last comment ended


def adbc_source(engine: Engine) -> tuple[Callable[[], Any], Dialect] | None:
    """How to open an ADBC connection to ``engine``'s database and the dialect that renders statements for it;
    ``None`` without the driver or for a database it cannot reach the same way."""
    url = engine.url
    if url.get_backend_name() != "postgresql":
        return None
    query = {key: value if isinstance(value, str) else ",".join(value) for key, value in url.query.items()}
    if not set(query) <= LIBPQ_KEYWORDS:
        return None
    driver = _driver("adbc_driver_postgresql.dbapi")
    if driver is None:
        return None
    from sqlalchemy.dialects.postgresql.base import PGDialect

    uri = libpq_uri(url.username, url.password, url.host, url.port, url.database, query)
    dialect = PGDialect(paramstyle="numeric_dollar")
    dialect._backslash_escapes = False  # noqa: SLF001 - the sessions read strings as the standard does (UTC_OPTION)
    return (lambda: driver.connect(uri)), dialect


def libpq_uri(user: str | None, password: str | None, host: str | None, port: int | None, database: str | None,
              query: dict[str, str]) -> str:
    """A libpq URI with every part as a query parameter (a host that is a socket directory, a password with any
    character), its sessions in UTC as the CRM engine's are."""
    parts = {"host": host, "port": port, "user": user, "password": password, "dbname": database}
    keywords = {key: str(value) for key, value in parts.items() if value not in (None, "")}
    keywords.update(query)
    keywords["options"] = f"{query['options']} {UTC_OPTION}" if query.get("options") else UTC_OPTION
    return "postgresql:///?" + urlencode(keywords, quote_via=quote)  # libpq reads "+" as itself, not a space


def _driver(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _convertible(arrow_type: Any) -> bool:
    """Types whose pandas column is the one the DBAPI driver's Python values make (``arrow_to_frame``)."""
    import pyarrow as pa

    types = pa.types
    if isinstance(arrow_type, pa.ExtensionType):
        return False
    return bool(types.is_integer(arrow_type) or types.is_floating(arrow_type) or types.is_boolean(arrow_type)
                or types.is_string(arrow_type) or types.is_large_string(arrow_type) or types.is_null(arrow_type)
                or types.is_timestamp(arrow_type) or types.is_date32(arrow_type))


def arrow_to_frame(table: Any) -> pd.DataFrame:
    """The frame ``pd.DataFrame.from_records(rows, coerce_float=True)`` makes of the same rows: whole numbers as
    int64 (float64 where one is NULL), floats as float64, a column of NULLs only as ``None`` objects, texts as
    ``str``, times as ``datetime64[us]`` (with their zone), dates as ``date`` objects.

    Texts stay in the driver's buffers (pandas' Arrow text takes them as they are): a copy into one buffer of
    Arrow's pool cost 70 MB more at the peak of a million members, as the driver's batches are freed only with
    their last column."""
    import numpy as np
    import pyarrow as pa

    columns: dict[str, Any] = {}
    for name, column in zip(table.column_names, table.columns):
        kind = column.type
        if column.null_count == len(column):
            columns[name] = pd.Series([None] * len(column), dtype=object)
        elif pa.types.is_integer(kind) and column.null_count == 0:
            columns[name] = pd.Series(column.to_numpy().astype(np.int64, copy=False))
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
            columns[name] = pd.Series(column.cast(pa.float64()).to_numpy(zero_copy_only=False))
        else:
            columns[name] = column.to_pandas()
    return pd.DataFrame(columns, columns=table.column_names, copy=False)  # a dict of columns is copied by default
