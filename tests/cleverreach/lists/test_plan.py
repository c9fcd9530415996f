"""The pure list-import plan: create new groups, refresh existing lists, mark vanished ones."""

from __future__ import annotations

from cleverreach.lists.plan import LocalList, RemoteGroup, plan_list_import


def test_new_groups_are_created_with_their_remote_name():
    plan = plan_list_import([], [RemoteGroup("2", "B", 3), RemoteGroup("1", "A", 0)])
    assert [g.external_id for g in plan.create] == ["1", "2"]
    assert plan.refresh == [] and plan.mark_deleted == []


def test_existing_lists_are_refreshed_not_renamed():
    local = [LocalList(10, "1", "Locally renamed")]
    plan = plan_list_import(local, [RemoteGroup("1", "Remote name", 7)])
    assert plan.create == []
    assert plan.refresh == [(local[0], RemoteGroup("1", "Remote name", 7))]
    assert plan.counts() == {"created": 0, "refreshed": 1, "revived": 0, "marked_deleted": 0}


def test_vanished_groups_are_marked_once_and_revived_when_back():
    gone = LocalList(10, "1", "A")
    already_marked = LocalList(11, "2", "B", remote_deleted=True)
    plan = plan_list_import([gone, already_marked], [])
    assert plan.mark_deleted == [gone]  # the marked one is not marked again
    plan = plan_list_import([already_marked], [RemoteGroup("2", "B", 1)])
    assert plan.revived == [already_marked]


def test_remote_group_from_api_accepts_string_ids_and_missing_stats():
    group = RemoteGroup.from_api({"id": "1363537", "name": "News", "receiver_info": ""}, None)
    assert group == RemoteGroup("1363537", "News", None, None)
    group = RemoteGroup.from_api({"id": 5, "name": "", "receiver_info": " Info "}, {"total_count": "4"})
    assert group == RemoteGroup("5", "CleverReach group 5", 4, "Info")
