"""The adapter check's database side: run each statement in a transaction that is always rolled back,
and count per tenant through the adapter's own statements.

Nothing the check runs stays in the CRM: reads and writes alike run inside ``BEGIN … ROLLBACK``, and a
statement the database refuses ends only its own transaction. Values are kept only as long as the
verdict needs them and are never returned.

Samples that name an entity come from the adapter's own rows for the checked tenant (its first list,
contact and address), bound in the type ``adapter.toml`` declares; an entity the tenant lacks is bound as
a value of that type that matches nothing, and a tenant without lists gets a scratch list made by the
adapter's own ``insert_recipient_list`` (with a group id that fits an integer and a text column).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Integer, String, bindparam, text

from cleverreach.crm.bulk import bulk_insert
from cleverreach.crm.keys import AdapterKeys, InvalidKeyError, KeyType, as_key, bind_key
from cleverreach.crm.sql import load_sql, names_in, sql_roots
from cleverreach.crm.store import SqlStore
from cleverreach.crm_check.contract import ColumnType, Extension, SampleRef, Statement
from cleverreach.crm_check.manifest import NOW, statement
from cleverreach.crm_check.verdicts import Observed, error_text
from cleverreach.email_validation import check_email
from cleverreach.ui.keyset import SORT_KEYS, after, order_by, page_sql

VALUES_PER_COLUMN = 100  # rows read per statement to judge the types of columns the driver does not type
SCRATCH_GROUP_ID = 2_147_480_001  # the scratch list's group id: a number, so it fits an integer and a text column
ABSENT: dict[KeyType, int | str] = {  # an id of the declared type that no row has
    KeyType.INTEGER: -1, KeyType.TEXT: "-1", KeyType.UUID: "00000000-0000-0000-0000-000000000000"}
# where a sample comes from: the statement and its column (each reads the checked tenant's rows)
SAMPLE_SOURCES: dict[SampleRef, tuple[str, str]] = {
    SampleRef.LIST: ("lists_select_for_tenant", "id"),
    SampleRef.CONTACT: ("history_select_contacts", "id"),
    SampleRef.ADDRESS: ("members_select_candidates", "address_id"),
}
SCRATCH_SOURCE = "insert_recipient_list"


@dataclass(frozen=True)
class Blocker:
    """Why a sample is missing: the statement that should have given it, and what went wrong there."""

    root: str
    what: str


@dataclass
class Samples:
    """The checked tenant's samples, bound in the declared key types; None = the tenant has no such entity."""

    keys: AdapterKeys
    values: dict[SampleRef, Any] = field(default_factory=dict)
    blockers: dict[SampleRef, Blocker] = field(default_factory=dict)

    def value(self, ref: SampleRef) -> Any:
        """The sample, or an id of the declared type that matches nothing."""
        found = self.values.get(ref)
        if found is not None or ref is SampleRef.TENANT:
            return found if found is not None else ""
        if ref is SampleRef.GROUP:
            return bind_key(SCRATCH_GROUP_ID, self.keys.group)
        return ABSENT[ref.key.key_type(self.keys)]  # type: ignore[union-attr]


class StepError(Exception):
    """A step the check adds around a statement failed (the staging table it must create): says which."""

    def __init__(self, context: str, cause: BaseException) -> None:
        super().__init__(f"{context}{error_text(cause)}")
        self.context, self.cause = context, cause


@dataclass(frozen=True)
class Ran:
    """What one statement returned, and the staging table it created (its columns, as the driver sees them)."""

    observed: Observed
    table: Observed | None = None


class AdapterCheckStore(SqlStore):
    """Runs the manifest's statements against the live CRM and counts what a tenant holds."""

    def adapter_names(self) -> set[str]:
        """The statements the adapter folder defines (``queries/<name>`` without the folder)."""
        roots = sql_roots()
        if roots.adapter is None:
            return set()
        return {name.removeprefix("queries/") for name in names_in(roots.adapter, "queries")}

    def sample_values(self, tenant_id: str | None, keys: AdapterKeys, *, tenant_blocker: Blocker | None = None) -> Samples:
        """The checked tenant, its first list, contact and address, each read through the adapter's statement
        and bound in the declared type. Where that statement fails, or returns an id that is not of the
        declared type, the sample is blocked by it (the statements that need it are not run)."""
        samples = Samples(keys, {SampleRef.TENANT: tenant_id})
        if tenant_blocker is not None:
            samples.blockers = {ref: tenant_blocker for ref in SampleRef if ref is not SampleRef.GROUP}
            return samples
        if tenant_id is None:
            return samples
        for ref, (name, column) in SAMPLE_SOURCES.items():
            try:
                with self._rolled_back() as conn:
                    observed = self._execute(conn, statement(name), samples)
            except Exception:  # noqa: BLE001 - the statement's own check reports the error
                samples.blockers[ref] = Blocker(name, "failed")
                continue
            if column not in observed.columns:
                samples.blockers[ref] = Blocker(name, f"returns no column {column!r}")
                continue
            found = next((value for value in observed.values[column] if value is not None), None)
            if found is None:
                continue
            declared = ref.key.key_type(keys)  # type: ignore[union-attr]
            try:
                samples.values[ref] = bind_key(as_key(found), declared)
            except InvalidKeyError:
                samples.blockers[ref] = Blocker(name, f"returns a {ref.key} that is not {declared} (adapter.toml)")
        if samples.values.get(SampleRef.LIST) is None and SampleRef.LIST not in samples.blockers:
            samples.blockers.update(self._probe_scratch_list(samples))
        return samples

    def _probe_scratch_list(self, samples: Samples) -> dict[SampleRef, Blocker]:
        """Whether a scratch list can be made for a tenant without lists (rolled back like every run)."""
        try:
            with self._rolled_back() as conn:
                made = self._scratch_list(conn, samples)
        except Exception:  # noqa: BLE001 - insert_recipient_list's own check reports the error
            return {SampleRef.LIST: Blocker(SCRATCH_SOURCE, "failed")}
        if made is None:
            return {SampleRef.LIST: Blocker("lists_select_for_tenant", f"does not return the list {SCRATCH_SOURCE} made")}
        return {}

    def run(self, statement: Statement, samples: Samples) -> Ran:
        """Run ``statement`` (after its ``prepare`` statements) and roll back; what it returned."""
        with self._rolled_back() as conn:
            for name in statement.prepare:
                conn.exec_driver_sql(load_sql(f"queries/{name}", self.dialect))
            samples = self._with_list(conn, statement, samples)
            if statement.reads is not None:
                row = tuple(_resolve(sample, samples) for sample in statement.reads.sample.values())
                try:
                    bulk_insert(conn, statement.reads.name, tuple(statement.reads.columns), [row])
                except Exception as exc:
                    raise StepError(f"copying a row into {statement.reads.name}: ", exc) from exc
            observed = self._execute(conn, statement, samples)
            table = None
            if statement.creates is not None:
                try:
                    table = self._query(conn, f"SELECT * FROM {statement.creates.name} WHERE 1 = 0", {})
                except Exception as exc:
                    raise StepError(f"the table {statement.creates.name} it must create: ", exc) from exc
            return Ran(observed, table)

    def run_extensions(self, statement: Statement, samples: Samples) -> list[str]:
        """Run ``statement`` with each of its extensions appended, as the integration appends them; the
        problem of each one the database refuses, naming the extension and the aliased columns it uses."""
        problems: list[str] = []
        base = load_sql(f"queries/{statement.name}", self.dialect)
        for extension in statement.extensions:
            sql, params = self._extended(statement, extension, base, samples)
            try:
                with self._rolled_back() as conn:
                    extended = self._with_list(conn, statement, samples)
                    self._query(conn, sql, {name: _resolve(sample, extended)
                                            for name, sample in {**statement.params, **params}.items()})
            except Exception as exc:  # noqa: BLE001 - reported as the statement's problem
                problems.append(f"with the page's extension {extension.name!r} appended "
                                f"({', '.join(extension.expressions)}): {error_text(exc)}")
        return problems

    def _extended(self, statement: Statement, extension: Extension, base: str,
                  samples: Samples) -> tuple[str, dict[str, Any]]:
        """The statement as the page runs it with ``extension``: its conditions, then (with a sort) every
        keyset disjunct after a boundary row of typed values, the ORDER BY and the LIMIT."""
        params: dict[str, Any] = {**extension.params, "limit": 1}
        conditions = list(extension.where)
        order = ""
        if extension.sort is not None:
            key = SORT_KEYS[extension.sort]
            boundary = {column.name: _typed_value(statement.columns.get(column.name), samples) for column in key}
            disjuncts = after(key, boundary, descending=False)
            conditions.append(" OR ".join(f"({condition})" for condition, _ in disjuncts))
            for _, values in disjuncts:
                params.update(values)
            order = order_by(key, False, self.dialect)
        return page_sql(base, conditions, order), params

    @contextmanager
    def _rolled_back(self) -> Iterator[Connection]:
        """A connection in a transaction that is rolled back whatever happens in it."""
        with self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                yield conn
            finally:
                transaction.rollback()

    def _with_list(self, conn: Connection, statement: Statement, samples: Samples) -> Samples:
        """The samples with a scratch list (inside this transaction) when the tenant has none."""
        if not statement.uses(SampleRef.LIST) or samples.values.get(SampleRef.LIST) is not None:
            return samples
        made = self._scratch_list(conn, samples)
        return Samples(samples.keys, {**samples.values, SampleRef.LIST: made}, samples.blockers)

    def _scratch_list(self, conn: Connection, samples: Samples) -> Any:
        """A tenant without lists: one made by the adapter's own insert, inside the rolled-back transaction."""
        self._execute(conn, statement(SCRATCH_SOURCE), samples)
        row = conn.execute(self.q("lists_select_for_tenant"),
                           {"tenant_id": samples.value(SampleRef.TENANT), "list_id": None}).mappings().first()
        return None if row is None else bind_key(as_key(row["id"]), samples.keys.list)

    def _execute(self, conn: Connection, statement: Statement, samples: Samples) -> Observed:
        sql = load_sql(f"queries/{statement.name}", self.dialect)
        params = {name: _resolve(sample, samples) for name, sample in statement.params.items()}
        if statement.positional:
            conn.exec_driver_sql(sql, [tuple(params.values())])
            return Observed(())
        return self._query(conn, sql, params)

    def _query(self, conn: Connection, sql: str, params: Mapping[str, Any]) -> Observed:
        if not params:
            result = conn.exec_driver_sql(sql)
        else:
            clause = text(sql).bindparams(*(
                bindparam(name, expanding=True,
                          type_=Integer if all(isinstance(v, int) for v in value) else String)
                for name, value in params.items() if isinstance(value, list)
            ))
            result = conn.execute(clause, dict(params))
        if not result.returns_rows:
            return Observed(())
        columns = tuple(result.keys())
        description = result.cursor.description if result.cursor is not None else None
        type_codes = {column: entry[1] for column, entry in zip(columns, description or (), strict=False)}
        rows = result.fetchmany(VALUES_PER_COLUMN)
        return Observed(columns, type_codes, {column: [row[i] for row in rows] for i, column in enumerate(columns)})

    def tenant_counts(self, tenant_id: str) -> dict[str, Any]:
        """What the tenant holds, read through the adapter: contacts (with a valid e-mail; flagged "no
        marketing", deleted or anonymised), lists, members per state, history rows. Only numbers leave."""
        with self.engine.connect() as conn:
            emails = [row["email"] for row in self._rows(conn, "history_select_contacts", tenant_id=tenant_id)]
            lists = self._rows(conn, "lists_select_for_tenant", tenant_id=tenant_id, list_id=None)
            members: Counter[str] = Counter()
            for row in lists:
                for state in self._rows(conn, "ui_members_counts", list_id=row["id"]):
                    members[str(state["sync_state"])] += int(state["n"])
            history = conn.execute(self.q("check_count_history"), {"tenant_id": tenant_id}).scalar_one()
            withdrawn = len(self._rows(conn, "sync_select_withdrawn", tenant_id=tenant_id))
        return {
            "contacts": len(emails),
            "contacts_with_valid_email": sum(1 for email in emails if email and check_email(email.strip())[0]),
            "contacts_withdrawn": withdrawn,
            "lists": len(lists),
            "members": dict(sorted(members.items())),
            "history_rows": int(history),
        }


def _resolve(sample: Any, samples: Samples) -> Any:
    if isinstance(sample, SampleRef):
        return samples.value(sample)
    if isinstance(sample, list):
        return [_resolve(item, samples) for item in sample]
    return sample


def _typed_value(kind: ColumnType | None, samples: Samples) -> Any:
    """A value of a page column's type for a keyset boundary (the SQL is judged, not what it finds)."""
    if kind is ColumnType.TIMESTAMP:
        return NOW
    if kind is not None and kind.is_key:
        return samples.value(SampleRef.CONTACT)
    return "check"
