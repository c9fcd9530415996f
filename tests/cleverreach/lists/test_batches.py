"""The batches of lists a sync run maps over: a tenant's lists together, small runs one list per task."""

from __future__ import annotations

import pytest

from cleverreach.lists.batches import batch_items, batch_label, batch_lists, batch_size, batch_tenants


def targets(tenants: int, lists: int) -> list[dict[str, str]]:
    return [{"tenant_id": f"t{t:03d}", "cleverreach_conn_id": f"cleverreach_t{t:03d}", "list_id": str(t * 10 + n)}
            for t in range(1, tenants + 1) for n in range(1, lists + 1)]


@pytest.mark.parametrize(("count", "per_task", "spread", "size"), [
    (0, 25, 8, 1), (3, 25, 8, 1), (8, 25, 8, 1), (9, 25, 8, 2), (600, 25, 8, 25), (600, 100, 8, 75),
    (600, 1, 8, 1), (600, 25, 1, 25), (5, 0, 0, 1),
])
def test_batch_size_spreads_a_small_run_and_caps_a_large_one(count, per_task, spread, size):
    assert batch_size(count, per_task, spread) == size


def test_a_small_run_maps_one_task_per_list_as_before():
    lists = targets(1, 3)
    assert batch_lists(lists, 25, 8) == lists  # a single list's kwargs, unchanged


def test_200_tenants_of_3_lists_make_25_batches_of_whole_tenants():
    lists = targets(200, 3)
    batches = batch_lists(lists, 25, 8)
    assert len(batches) == 25
    assert all(len(b["lists"]) == 24 for b in batches)  # 8 whole tenants: a ninth would make 27
    for batch in batches:
        tenants = [item["tenant_id"] for item in batch["lists"]]
        assert all(tenants.count(t) == 3 for t in tenants)  # no tenant is split
    assert [item for b in batches for item in batch_items(b)] == lists  # every list once, in order
    assert batches[0]["lists_label"] == "t001..t008: 24 lists"


def test_a_tenant_larger_than_a_batch_is_cut_into_full_batches():
    lists = targets(1, 60) + targets(2, 1)[1:]  # t001 with 60 lists, then t002 with one
    batches = batch_lists(lists, 25, 1)
    assert [len(batch_items(b)) for b in batches] == [25, 25, 11]  # t002's list joins t001's rest
    assert batches[0]["lists_label"] == "t001: 25 lists"
    assert batches[2]["lists_label"] == "t001..t002: 11 lists"


def test_lists_per_task_of_one_maps_every_list_alone():
    lists = targets(20, 3)
    assert batch_lists(lists, 1, 8) == lists


def test_labels_and_items_of_one_list_and_of_a_batch():
    one = targets(1, 1)[0]
    assert batch_label([one]) == "t001/11"
    assert batch_items(one) == [one]
    assert batch_items({"lists": [one, one], "lists_label": "x"}) == [one, one]


def test_tenants_batch_in_order_and_a_few_stay_one_per_task():
    tenants = [{"tenant_id": f"t{n:03d}", "cleverreach_conn_id": f"c{n}"} for n in range(1, 201)]
    batches = batch_tenants(tenants, 25, 8)
    assert len(batches) == 8 and batches[0]["tenants_label"] == "t001..t025: 25 tenants"
    assert [t for b in batches for t in batch_items(b)] == tenants
    assert batch_tenants(tenants[:8], 25, 8) == tenants[:8]
