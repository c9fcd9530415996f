"""A statement with one long ``IN`` list, bound the way the driver takes a list.

SQLAlchemy expands an ``IN :keys`` parameter anew on every execution, naming and processing each value: about
2 µs a key, which made a sixth of the CPU of a million-member first sync (a million keys each for the intents
forgotten, the results marked and the member states set). Here the list goes to the driver as it is: one ``?``
per value on SQLite, a tuple that psycopg2 renders itself on PostgreSQL (seven times faster for a thousand
keys). The other parameters keep SQLAlchemy's own processing (the type ``text()`` infers from the value), so a
time is written as it would be through ``Connection.execute``. Another driver gets SQLAlchemy's expansion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, TextClause, bindparam
from sqlalchemy.types import TypeEngine

# ``text()``'s bind syntax (sqlalchemy.sql.elements.TextClause._bind_params_regex): ``:name``, not ``::``, not ``\:``
_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)


def execute_in(conn: Connection, clause: TextClause, params: dict[str, Any], name: str, values: Sequence[Any],
               type_: type[TypeEngine[Any]] | TypeEngine[Any]) -> int:
    """Run ``clause`` (a named query whose ``:name`` is an ``IN`` list, written ``IN :name``) with ``values`` as
    that list and ``params`` as the rest; returns the row count. Nothing runs for an empty list."""
    if not len(values):
        return 0
    sql = clause.text
    names = _BIND.findall(sql)
    if name not in names:
        raise ValueError(f"the statement has no parameter :{name}")
    dialect = conn.dialect
    element = type_() if isinstance(type_, type) else type_
    to_driver = element.bind_processor(dialect)
    listed = [to_driver(value) for value in values] if to_driver else list(values)
    bound = {key: _processed(conn, key, value) for key, value in params.items()}
    if dialect.paramstyle == "qmark":
        statement = _BIND.sub(lambda m: "(" + ", ".join("?" * len(listed)) + ")" if m.group(1) == name else "?", sql)
        args: list[Any] = []
        for each in names:
            if each == name:
                args.extend(listed)
            else:
                args.append(bound[each])
        return conn.exec_driver_sql(statement.replace("\\:", ":"), tuple(args)).rowcount
    if dialect.paramstyle == "pyformat":
        statement = _BIND.sub(lambda m: f"%({m.group(1)})s", sql.replace("%", "%%"))
        return conn.exec_driver_sql(statement.replace("\\:", ":"), {**bound, name: tuple(listed)}).rowcount
    expanding = clause.bindparams(bindparam(name, expanding=True, type_=element))
    return conn.execute(expanding, {**params, name: list(values)}).rowcount


def _processed(conn: Connection, key: str, value: Any) -> Any:
    """``value`` as ``text()`` would bind it: through the processor of the type SQLAlchemy infers from it."""
    if value is None:
        return None
    to_driver = bindparam(key, value).type.bind_processor(conn.dialect)
    return to_driver(value) if to_driver else value
