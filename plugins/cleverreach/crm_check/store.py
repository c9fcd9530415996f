"""The adapter check's database side: run each statement in a transaction that is always rolled back,
and count per tenant through the adapter's own statements.

Nothing the check runs stays in the CRM: reads and writes alike run inside ``BEGIN … ROLLBACK``, and a
statement the database refuses ends only its own transaction. Values are kept only as long as the
verdict needs them and are never returned.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Connection, Integer, String, bindparam, text

from cleverreach.crm.sql import load_sql, names_in, sql_roots
from cleverreach.crm.keys import as_key
from cleverreach.crm.store import SqlStore
from cleverreach.crm_check.contract import SampleRef, Statement
from cleverreach.crm_check.manifest import statement
from cleverreach.crm_check.verdicts import Observed
from cleverreach.email_validation import check_email

VALUES_PER_COLUMN = 100  # rows read per statement to judge the types of columns the driver does not type


class AdapterCheckStore(SqlStore):
    """Runs the manifest's statements against the live CRM and counts what a tenant holds."""

    def adapter_names(self) -> set[str]:
        """The statements the adapter folder defines (``queries/<name>`` without the folder)."""
        roots = sql_roots()
        if roots.adapter is None:
            return set()
        return {name.removeprefix("queries/") for name in names_in(roots.adapter, "queries")}

    def sample_values(self, tenant_id: str | None) -> dict[SampleRef, Any]:
        """The checked tenant, its first list and its first contact (None where it has none, or where the
        adapter cannot read them: the statement that fails is reported on its own)."""
        samples: dict[SampleRef, Any] = {SampleRef.TENANT: tenant_id or "", SampleRef.LIST: None, SampleRef.CONTACT: None}
        if tenant_id is None:
            return samples
        for ref, name, params, column in (
            (SampleRef.LIST, "lists_select_for_tenant", {"tenant_id": tenant_id, "list_id": None}, "id"),
            (SampleRef.CONTACT, "history_select_contacts", {"tenant_id": tenant_id}, "id"),
        ):
            try:
                with self.engine.connect() as conn:
                    row = conn.execute(self.q(name), params).mappings().first()
            except Exception:  # noqa: BLE001 - the statement's own check reports the error
                continue
            if row is not None and row.get(column) is not None:
                samples[ref] = as_key(row[column])
        return samples

    def run(self, statement: Statement, samples: dict[SampleRef, Any]) -> Observed:
        """Run ``statement`` (after its ``prepare`` statements) and roll back; what it returned."""
        with self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                for name in statement.prepare:
                    conn.exec_driver_sql(load_sql(f"queries/{name}", self.dialect))
                if statement.uses(SampleRef.LIST) and samples[SampleRef.LIST] is None:
                    samples = {**samples, SampleRef.LIST: self._scratch_list(conn, samples)}
                return self._execute(conn, statement, samples)
            finally:
                transaction.rollback()

    def _scratch_list(self, conn: Connection, samples: dict[SampleRef, Any]) -> int | None:
        """A tenant without lists: one made by the adapter's own insert, inside the rolled-back transaction."""
        self._execute(conn, statement("insert_recipient_list"), samples)
        row = conn.execute(self.q("lists_select_for_tenant"),
                           {"tenant_id": samples[SampleRef.TENANT], "list_id": None}).mappings().first()
        return None if row is None else int(row["id"])

    def _execute(self, conn: Connection, statement: Statement, samples: dict[SampleRef, Any]) -> Observed:
        sql = load_sql(f"queries/{statement.name}", self.dialect)
        params = {name: _resolve(sample, samples) for name, sample in statement.params.items()}
        if statement.positional:
            conn.exec_driver_sql(sql, [tuple(params.values())])
            return Observed(())
        if not params:
            result = conn.exec_driver_sql(sql)
        else:
            clause = text(sql).bindparams(*(
                bindparam(name, expanding=True, type_=Integer if element is int else String)
                for name, element in statement.expanding.items()
            ))
            result = conn.execute(clause, params)
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


def _resolve(sample: Any, samples: dict[SampleRef, Any]) -> Any:
    if isinstance(sample, SampleRef):
        value = samples[sample]
        return 0 if value is None else value  # no such row: an id that matches nothing
    if isinstance(sample, list):
        return [_resolve(item, samples) for item in sample]
    return sample
