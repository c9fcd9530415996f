"""A CRM as release 0.1 left it: the integration's private tables among the CRM's, with a run, its plan and a
watermark (``tests/cleverreach/crm/legacy_0_1_private_tables.sql``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from cleverreach.crm.legacy import REQUIRED_LEGACY
from cleverreach.crm.sql import DIALECT_TOKENS, split_statements
from helpers.crm_seed import add_tenants

LEGACY_DDL = Path(__file__).resolve().parents[1] / "cleverreach" / "crm" / "legacy_0_1_private_tables.sql"


def install_release_0_1(engine: Engine, *, versions: tuple[str, ...] = REQUIRED_LEGACY) -> None:
    """The private tables as 0.1 left them in the CRM's schema (``versions`` recorded), with tenant ``a``, its list,
    run 41 with one planned change, and the list's watermark."""
    ddl = LEGACY_DDL.read_text(encoding="utf-8")
    for token, value in DIALECT_TOKENS[engine.dialect.name].items():
        ddl = ddl.replace(f"{{{{ {token} }}}}", value)
    add_tenants(engine, {"id": "a", "name": "A"})
    with engine.begin() as conn:
        for statement in split_statements(ddl):
            conn.exec_driver_sql(statement)
        conn.execute(text("INSERT INTO cleverreach_schema_migration (version, name, applied_at) "
                          "VALUES (:v, :v, CURRENT_TIMESTAMP)"), [{"v": v} for v in versions])
        list_id = conn.execute(text("INSERT INTO recipient_list (tenant_id, external_id, name, created_at) "
                                    "VALUES ('a', '10', 'L', CURRENT_TIMESTAMP) RETURNING id")).scalar_one()
        conn.execute(text("INSERT INTO sync_run (id, tenant_id, list_id, started_at, status, added) "
                          "VALUES (41, 'a', :l, CURRENT_TIMESTAMP, 'success', 2)"), {"l": list_id})
        conn.execute(text("INSERT INTO sync_change (run_id, list_id, email, action, result) "
                          "VALUES (41, :l, 'x@example.org', 'add', 'ok')"), {"l": list_id})
        conn.execute(text("INSERT INTO mail_history_watermark (list_id, finished_until, updated_at) "
                          "VALUES (:l, 1700000000, CURRENT_TIMESTAMP)"), {"l": list_id})
