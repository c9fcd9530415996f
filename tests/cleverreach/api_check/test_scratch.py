"""The check's writer refuses any write that is not aimed at a scratch group it created, before sending it."""

from __future__ import annotations

import pytest
from helpers.api_check_account import CONN_ID, EXISTING_GROUPS, api_account  # noqa: F401 - fixture

from cleverreach.api_check.scratch import ScratchAccount, ScratchViolation
from cleverreach.hooks.cleverreach import CleverReachHook


@pytest.fixture
def scratch(api_account):
    account = ScratchAccount(CleverReachHook(CONN_ID))
    group_id = account.create_group("cleverreach-api-check-test")
    api_account.client.clear_requests()
    return account, group_id


@pytest.mark.parametrize(
    "attempt",
    [
        lambda a: a.insert("7001", [{"email": "x@tests.example"}]),
        lambda a: a.upsert("7001", [{"email": "kunde01@bestand.example", "activated": 0}]),
        lambda a: a.delete_by_ids("7001", ["1"]),
        lambda a: a.deactivate("7002", "1"),
        lambda a: a.delete_group("7001"),
        lambda a: a.write("POST", "groups/7001/receivers/delete", json=["kunde01@bestand.example"]),
        lambda a: a.write("DELETE", "receivers/kunde01@bestand.example"),
        lambda a: a.write("POST", "receivers/delete", json=["kunde01@bestand.example"]),
        lambda a: a.write("PUT", "attributes/1", json={}),
    ],
)
def test_writes_outside_the_scratch_groups_are_refused_before_they_are_sent(api_account, scratch, attempt):
    account, _ = scratch
    with pytest.raises(ScratchViolation):
        attempt(account)
    assert api_account.client.requests() == []


def test_writes_to_a_scratch_group_go_through_the_hooks_typed_calls(api_account, scratch):
    account, group_id = scratch
    (item,) = account.insert(group_id, [{"email": "x@tests.example", "activated": 1}])
    assert item.ok and item.receiver_id
    account.deactivate(group_id, item.receiver_id)
    assert account.receiver(group_id, item.receiver_id)["deactivated"] > 0
    assert [i.ok for i in account.delete_by_ids(group_id, [item.receiver_id])] == [True]
    assert account.receiver(group_id, item.receiver_id) is None
    account.delete_group(group_id)
    paths = [(e["method"], e["path"]) for e in api_account.client.requests() if e["method"] != "GET"]
    assert paths == [
        ("POST", f"/v3/groups/{group_id}/receivers/insert"),
        ("PUT", f"/v3/groups/{group_id}/receivers/{item.receiver_id}/deactivate"),
        ("POST", f"/v3/groups/{group_id}/receivers/delete"),
        ("DELETE", f"/v3/groups/{group_id}"),
    ]
    assert {g["id"] for g in api_account.client.state()["accounts"][0]["groups"]} == EXISTING_GROUPS
