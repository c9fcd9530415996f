"""The page's API inside Airflow's real API server app (``create_app``), on a migrated metadata DB.

Users are SimpleAuthManager users (the default auth manager of the tests) with a JWT issued by the auth
manager itself, so every request goes through Airflow's own authentication. The page's CRM engine is
the test's CRM database; its REST API client calls the same in-process app, so "add", "sync" and
"approve" create real DAG runs in the metadata DB (the DAGs are serialized into it first).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from helpers.crm_seed import add_addresses, add_contacts, add_members, add_tenants

ROLES = {"viewer": "VIEWER", "editor": "USER", "op": "OP", "admin": "ADMIN"}
PREFIX = "/cleverreach/api"


@pytest.fixture(scope="session")
def airflow_app(airflow_db) -> Any:
    import os

    os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", "cleverreach-ui-tests-" + "x" * 64)
    from airflow.api_fastapi.app import create_app
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
        sync_bag_to_db(bag, bundle.name, bundle.version)
    return create_app()


@pytest.fixture(scope="session")
def page_app(airflow_app) -> Any:
    """The CleverReach sub-app as Airflow mounted it (from the entry-point plugin)."""
    from starlette.routing import Mount

    mounts = [r for r in airflow_app.routes if isinstance(r, Mount) and r.path == "/cleverreach"]
    assert len(mounts) == 1, f"the cleverreach_ui plugin is not mounted: {[getattr(r, 'path', r) for r in airflow_app.routes][:40]}"
    return mounts[0].app


def token_for(name: str) -> str:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=name, role=ROLES.get(name, "VIEWER")))


@dataclass
class Page:
    client: Any
    engine: Any

    @staticmethod
    def token(user: str) -> str:
        return token_for(user)

    def call(self, method: str, path: str, user: str | None = "admin", **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token_for(user)}"} if user else {}
        return self.client.request(method, f"{PREFIX}{path}", headers=headers, **kwargs)

    def get(self, path: str, user: str | None = "admin", **kwargs: Any) -> Any:
        return self.call("GET", path, user, **kwargs)

    def post(self, path: str, user: str | None = "admin", **kwargs: Any) -> Any:
        return self.call("POST", path, user, **kwargs)

    def put(self, path: str, user: str | None = "admin", **kwargs: Any) -> Any:
        return self.call("PUT", path, user, **kwargs)

    def delete(self, path: str, user: str | None = "admin", **kwargs: Any) -> Any:
        return self.call("DELETE", path, user, **kwargs)

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """A DAG run as Airflow's REST API shows it (conf, triggering user, note)."""
        resp = self.client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}",
                               headers={"Authorization": f"Bearer {token_for('admin')}"})
        assert resp.status_code == 200, resp.text
        return resp.json()

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def seed(engine: Any) -> None:
    """Two tenants; tenant a has list 1 with 60 members in mixed states, tenant b has list 2."""
    from cleverreach.crm.migrations import migrate

    migrate(engine)
    add_tenants(engine, {"id": "a", "name": "Acme"}, {"id": "b", "name": "Beta"})
    add_addresses(engine, [
        {"id": 1, "tenant_id": "a", "name": "Ärztehaus Nord", "city": "Kiel", "category": "Kunde", "tags": ["VIP"]},
        {"id": 2, "tenant_id": "a", "name": "Bäckerei Süd", "city": "Ulm", "category": "Lieferant",
         "sales_processes": ["Messe"]},
        {"id": 3, "tenant_id": "b", "name": "Beta GmbH", "city": "Bonn", "category": "Kunde"},
    ])
    contacts = [{"id": i, "tenant_id": "a", "address_id": 1 if i % 2 else 2, "first_name": f"F{i:02d}",
                 "last_name": f"L{60 - i:02d}", "function": "CEO" if i % 3 == 0 else None,
                 "email": None if i % 10 == 0 else f"p{i}@example.org"} for i in range(1, 61)]
    contacts.append({"id": 100, "tenant_id": "b", "address_id": 3, "first_name": "B", "last_name": "B", "email": "b@example.org"})
    add_contacts(engine, contacts)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO recipient_list (id, tenant_id, external_id, name, short_description, remote_member_count, created_at)"
            " VALUES (1, 'a', '501', 'Newsletter', 'monthly', 40, CURRENT_TIMESTAMP),"
            " (2, 'b', '601', 'Beta news', NULL, 1, CURRENT_TIMESTAMP)"))
    add_members(engine, 1, range(1, 41), "synced")
    add_members(engine, 1, range(41, 51), "pending")
    add_members(engine, 1, [i for i in range(51, 61) if i % 10], "rejected")
    add_members(engine, 1, [60], "rejected")
    add_members(engine, 2, [100], "synced")


@pytest.fixture
def page(airflow_app, page_app, crm_engine) -> Iterator[Page]:
    from fastapi.testclient import TestClient

    from cleverreach.ui.airflow_api import AirflowRestApi, airflow_api
    from cleverreach.ui.security import crm_engine as crm_engine_dependency

    seed(crm_engine)
    client = TestClient(airflow_app)
    page_app.dependency_overrides[crm_engine_dependency] = lambda: crm_engine
    page_app.dependency_overrides[airflow_api] = lambda: AirflowRestApi("http://testserver", session=client, timeout=None)
    try:
        yield Page(client, crm_engine)
    finally:
        page_app.dependency_overrides.clear()
