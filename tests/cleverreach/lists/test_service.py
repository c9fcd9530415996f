"""The list import's wiring (``ListImport``) on a real CRM store: the ``ext_id`` attribute ensured first, a group
missing from the group list marked deleted only when reading the group itself answers 404, and the run's counts.
The import against the emulator through Airflow: tests/dags/test_cleverreach_import_lists.py."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from helpers.crm_seed import add_tenants

from cleverreach.audit.actor import Actor
from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import CleverReachNotFoundError
from cleverreach.lists.plan import ListImportPlan, RemoteGroup
from cleverreach.lists.service import EXT_ID_DESCRIPTION, ListImport
from cleverreach.lists.store import ListStore

RUN = Actor.of(None, "cleverreach_import_lists", "manual__1")


class Account:
    """CleverReach as the import reads it: its groups, their counts, and which groups answer when read alone."""

    def __init__(self, groups: list[dict], answering: set[str] = frozenset(), attributes: tuple[str, ...] = ()):
        self.settings = SimpleNamespace(ext_id_attribute="crm_id")
        self.groups, self.answering, self.attributes = groups, set(answering), list(attributes)
        self.ensured: list[dict] = []

    def ensure_global_attributes(self, wanted: dict[str, str]) -> list[str]:
        self.ensured.append(wanted)
        created = [name for name in wanted if name not in self.attributes]
        self.attributes += created
        return created

    def list_groups(self) -> list[dict]:
        return self.groups

    def group_stats(self, group_id: str) -> dict:
        return {"total_count": 10 * int(group_id)}

    def get_group(self, group_id: str) -> dict:
        if group_id not in self.answering:
            raise CleverReachNotFoundError(f"group {group_id} not found", status=404)
        return {"id": group_id}


@pytest.fixture
def store(crm_engine) -> ListStore:
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "acme", "name": "ACME GmbH"})
    store = ListStore(crm_engine)
    store.apply_import("acme", ListImportPlan(create=[RemoteGroup("1", "Newsletter"), RemoteGroup("2", "Kunden"),
                                                      RemoteGroup("3", "Presse")]), actor=RUN)
    return store


def _deleted(store: ListStore) -> set[str]:
    return {row.external_id for row in store.local_lists("acme") if row.remote_deleted}


def test_the_ext_id_attribute_is_ensured_and_a_created_one_is_logged(store, caplog):
    account = Account([{"id": 1, "name": "Newsletter"}], answering={"2", "3"})
    with caplog.at_level(logging.INFO, logger="cleverreach.lists.service"):
        ListImport(account, store, tenant_id="acme", actor=RUN).run()
    assert account.ensured == [{"crm_id": EXT_ID_DESCRIPTION}]
    assert "created the global attribute 'crm_id'" in caplog.text

    caplog.clear()
    ListImport(account, store, tenant_id="acme", actor=RUN).run()  # there now: nothing to say
    assert "created the global attribute" not in caplog.text


def test_a_missing_group_is_marked_only_when_reading_it_says_404(store, caplog):
    account = Account([{"id": 1, "name": "Newsletter"}, {"id": 4, "name": "Neu"}], answering={"3"},
                      attributes=("crm_id",))
    with caplog.at_level(logging.WARNING, logger="cleverreach.lists.service"):
        result = ListImport(account, store, tenant_id="acme", actor=RUN).run()
    assert _deleted(store) == {"2"}  # 3 answers when read: missing from the list, but not gone
    assert "group 3 was missing from the group list but answers; not marked" in caplog.text
    assert result == {"tenant_id": "acme", "groups": 2, "created": 1, "refreshed": 1, "revived": 0,
                      "marked_deleted": 1}
