"""The list a sync works on: checked once (the tenant owns it, its group is not gone), its key kept as text."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.crm_seed import add_tenants
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.exceptions import RecipientListError
from cleverreach.lists.store import ListStore
from cleverreach.lists.target import ListTarget


@pytest.fixture
def lists(crm_engine):
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": "a", "name": "A"}, {"id": "b", "name": "B"})
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, 'a', '10', 'L', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at, remote_deleted_at) "
                          "VALUES (2, 'a', '20', 'Old', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    return ListStore(crm_engine)


def test_the_tenants_list_is_its_target(lists):
    target = lists.sync_target("a", "1")
    assert target == ListTarget("a", "1", "10", "L")
    assert target.label == "tenant a list 1 (L, group 10)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.list_id = "2"  # type: ignore[misc]


def test_a_list_of_another_tenant_is_refused_like_an_unknown_one(lists):
    with pytest.raises(RecipientListError, match="recipient list 1 does not exist for tenant 'b'"):
        lists.sync_target("b", "1")
    with pytest.raises(RecipientListError, match="recipient list 99 does not exist for tenant 'a'"):
        lists.sync_target("a", "99")
    assert [r["id"] for r in lists.lists("a")] == [1, 2]
    assert lists.owned_list("a", "1")["external_id"] == "10"  # the dict stays for the pages


def test_a_list_whose_group_is_gone_is_refused(lists):
    with pytest.raises(RecipientListError, match="recipient list 2 of tenant 'a' is marked gone since .*group 20"):
        lists.sync_target("a", "2")


def test_a_key_stays_text_whatever_it_looks_like():
    row = {"id": "0042", "external_id": 7, "name": None, "remote_deleted_at": None}
    assert ListTarget.of("t", row) == ListTarget("t", "0042", "7", None)
    assert ListTarget.of("t", {**row, "id": "1e3"}).list_id == "1e3"
    assert ListTarget.of("t", {**row, "id": 41}).list_id == "41"
