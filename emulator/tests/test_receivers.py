"""Receivers: listing/paging, bulk writes, activation semantics, deletes, events."""

import pytest


def _emails(rows):
    return [r["email"] for r in rows]


# ------------------------------------------------------------------ listing

def test_receiver_object_fields(api):
    rows = api.get("/v3/groups/1001/receivers").json()
    ada = rows[0]
    assert ada["email"] == "ada@example.com"
    assert set(ada) >= {"id", "email", "group_id", "registered", "activated", "deactivated", "bounced",
                        "imported", "last_changed", "last_ip", "last_location", "last_client", "points",
                        "stars", "source", "active", "conversion_rate", "open_rate", "click_rate",
                        "attributes", "global_attributes"}
    assert "tags" not in ada and "events" not in ada and "orders" not in ada
    assert ada["group_id"] == "1001"
    assert ada["active"] is True
    # every defined global attribute, "" when unset
    assert ada["global_attributes"] == {"firstname": "Ada", "lastname": "", "ext_id": "42"}
    assert rows[1]["global_attributes"] == {"firstname": "", "lastname": "", "ext_id": ""}


def test_pagination_zero_based_with_short_last_page(api):
    api.post("/v3/groups/1001/receivers/upsert",
             json=[{"email": f"p{i}@example.com"} for i in range(17)])  # 8 + 17 = 25
    pages = [api.get("/v3/groups/1001/receivers", params={"page": p, "pagesize": 10}).json()
             for p in range(4)]
    assert [len(p) for p in pages] == [10, 10, 5, 0]
    all_ids = [r["id"] for p in pages for r in p]
    assert len(set(all_ids)) == 25
    assert pages[0][0]["email"] == "ada@example.com"  # page 0 is the first page
    # default pagesize is 50
    assert len(api.get("/v3/groups/1001/receivers").json()) == 25


def test_pagesize_limits(api):
    assert api.get("/v3/groups/1001/receivers", params={"pagesize": 5000}).status_code == 200
    r = api.get("/v3/groups/1001/receivers", params={"pagesize": 5001})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Bad Request: pagesize too large"
    assert api.get("/v3/groups/1001/receivers", params={"page": "x"}).status_code == 400


def test_type_filter(api):
    def emails(t):
        return set(_emails(api.get("/v3/groups/1001/receivers", params={"type": t}).json()))
    # carl bounced and dora unsubscribed through mailing 5001 in the seed
    assert emails("active") == {"ada@example.com", "grace@example.com"}
    assert emails("bounce") == {"bert@example.com", "carl@example.com"}
    assert emails("inactive") == {"linus@example.com", "ulla@example.com", "pete@example.com",
                                  "dora@example.com"}
    assert len(emails("all")) == 8
    assert api.get("/v3/groups/1001/receivers", params={"type": "weird"}).status_code == 400


def test_email_list_id_list_order_by_detail(api, receiver_id):
    r = api.get("/v3/groups/1001/receivers",
                params={"email_list": "GRACE@example.com,nobody@example.com,ada@example.com"}).json()
    assert _emails(r) == ["grace@example.com", "ada@example.com"]
    gid = receiver_id(api, "grace@example.com")
    assert _emails(api.get("/v3/groups/1001/receivers", params={"id_list": gid}).json()) == ["grace@example.com"]
    desc = api.get("/v3/groups/1001/receivers", params={"order_by": "registered desc"}).json()
    assert desc[0]["email"] == "pete@example.com"
    assert api.get("/v3/groups/1001/receivers", params={"order_by": "bogus"}).status_code == 400
    full = api.get("/v3/groups/1001/receivers", params={"detail": 7, "pagesize": 1}).json()[0]
    assert full["tags"] == ["Shop.Customer"]
    assert isinstance(full["events"], list) and isinstance(full["orders"], list)
    only_tags = api.get("/v3/groups/1001/receivers", params={"detail": 4, "pagesize": 1}).json()[0]
    assert "tags" in only_tags and "events" not in only_tags


def test_single_get_by_id_or_email_and_global(api, receiver_id):
    by_email = api.get("/v3/groups/1001/receivers/Ada@Example.com").json()
    by_id = api.get(f"/v3/groups/1001/receivers/{by_email['id']}").json()
    assert by_email == by_id
    assert "tags" in by_id and "events" in by_id  # always on single GET
    assert api.get("/v3/receivers/ada@example.com").json()["id"] == by_email["id"]
    in_1002 = api.get("/v3/receivers/ada@example.com", params={"group_id": "1002"}).json()
    assert in_1002["group_id"] == "1002" and in_1002["attributes"] == {"guideline": "Ja"}
    groups = api.get("/v3/receivers/ada@example.com/groups").json()
    assert sorted(g["id"] for g in groups) == ["1001", "1002"]


# ------------------------------------------------------------------ bulk writes

def test_upsert_per_item_results_aligned(api, receiver_id):
    ada = receiver_id(api, "ada@example.com")
    r = api.post("/v3/groups/1001/receivers/upsert", json=[
        {"email": "new1@example.com"},
        {"email": "not-an-email"},
        {"email": " ADA@example.com "},
        {"email": "new1@EXAMPLE.com"},
        {"email": "jörg@müller.de"},
        {"email": "a b@example.com"},
        {},
    ])
    assert r.status_code == 200
    res = r.json()
    assert len(res) == 7
    assert res[0]["status"] == "insert success" and isinstance(res[0]["id"], str)
    assert res[1] == "invalid address 'not-an-email';"
    assert res[2] == {"status": "update success", "id": ada}
    assert res[3] == "duplicate address 'new1@EXAMPLE.com'"
    assert res[4]["status"] == "insert success"  # unicode / IDN accepted
    assert res[5] == "invalid address 'a b@example.com';"
    assert res[6] == "invalid address '';"


def test_postdata_wrapper_accepted(api):
    r = api.post("/v3/groups/1001/receivers/upsert", json={"postdata": [{"email": "wrap@example.com"}]})
    assert r.json()[0]["status"] == "insert success"


def test_batch_limit_413(emu, api):
    too_many = [{"email": f"b{i}@example.com"} for i in range(1001)]
    r = api.post("/v3/groups/1001/receivers/upsert", json=too_many)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == 413
    assert api.post("/v3/groups/1001/receivers/upsert", json=too_many[:1000]).status_code == 200
    emu.client.update_settings(batch_limit=3)
    for path in ("upsert", "insert", "upsertplus"):
        assert api.post(f"/v3/groups/1001/receivers/{path}", json=too_many[:4]).status_code == 413
    assert api.put("/v3/groups/1001/receivers/update", json=too_many[:4]).status_code == 413


def test_insert_update_upsertplus(api):
    r = api.post("/v3/groups/1001/receivers/insert",
                 json=[{"email": "ins@example.com"}, {"email": "ada@example.com"}]).json()
    assert r[0]["status"] == "insert success"
    assert r[1] == "duplicate address 'ada@example.com'"
    r = api.put("/v3/groups/1001/receivers/update", json=[
        {"email": "ada@example.com", "source": "CRM"}, {"email": "ghost@example.com"}]).json()
    assert r[0]["status"] == "update success"
    assert r[1] == "not found 'ghost@example.com'"
    assert api.get("/v3/groups/1001/receivers/ghost@example.com").status_code == 404
    r = api.post("/v3/groups/1001/receivers/upsertplus", json=[
        {"email": "plus@example.com", "global_attributes": {"ext_id": "7"}},
        {"email": "broken"},
        {"email": "grace@example.com", "tags": ["CRM.Lead"]}]).json()
    assert [x["email"] for x in r] == ["plus@example.com", "grace@example.com"]
    assert r[0]["global_attributes"]["ext_id"] == "7"
    assert r[1]["tags"] == ["CRM.Lead"]


def test_insert_existing_message_is_a_setting(emu, api):
    emu.client.update_settings(insert_existing_message="address exists '{email}'")
    r = api.post("/v3/groups/1001/receivers/insert", json=[{"email": "ada@example.com"}]).json()
    assert r == ["address exists 'ada@example.com'"]


def test_unknown_attributes_dropped_and_empty_clears(api):
    r = api.post("/v3/groups/1001/receivers/upsert", json=[
        {"email": "ada@example.com", "global_attributes": {"lastname": "Lovelace", "shoe_size": "42",
                                                           "firstname": ""},
         "attributes": {"nope": "x"}}])
    assert r.status_code == 200 and r.json()[0]["status"] == "update success"
    ada = api.get("/v3/groups/1001/receivers/ada@example.com").json()
    assert ada["global_attributes"] == {"firstname": "", "lastname": "Lovelace", "ext_id": "42"}
    assert "shoe_size" not in ada["global_attributes"]
    assert ada["attributes"] == {}
    r = api.post("/v3/groups/1002/receivers/upsert",
                 json=[{"email": "ada@example.com", "attributes": {"guideline": "Nein"}}])
    assert api.get("/v3/groups/1002/receivers/ada@example.com").json()["attributes"] == {"guideline": "Nein"}


def test_tags_merge_on_upsert_and_replace_on_put(api):
    api.post("/v3/groups/1001/receivers/upsert",
             json=[{"email": "ada@example.com", "tags": ["CRM.A", "CRM.B", "-Shop.Customer"]}])
    assert api.get("/v3/groups/1001/receivers/ada@example.com").json()["tags"] == ["CRM.A", "CRM.B"]
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "ada@example.com", "tags": ["-CRM.*", "X.Y"]}])
    assert api.get("/v3/groups/1001/receivers/ada@example.com").json()["tags"] == ["X.Y"]
    r = api.put("/v3/groups/1001/receivers/ada@example.com", json={"tags": ["Only.This"]})
    assert r.json()["tags"] == ["Only.This"]


def test_write_updates_last_changed_and_records_api_event(api):
    before = api.get("/v3/groups/1001/receivers/grace@example.com").json()
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "grace@example.com", "source": "CRM"}])
    after = api.get("/v3/groups/1001/receivers/grace@example.com").json()
    assert after["last_changed"] > before["last_changed"]
    assert after["source"] == "CRM"
    ev = after["events"][-1]
    assert ev["type"] == "api" and ev["type_id"] == "REST update"
    assert set(ev) == {"stamp", "type", "type_id", "value", "mailing_id", "groups_id"}
    new = api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "fresh@example.com"}]).json()[0]
    fresh = api.get(f"/v3/groups/1001/receivers/{new['id']}").json()
    assert fresh["events"][-1]["type_id"] == "REST insert"
    assert fresh["source"] == "RESTful API"


def test_single_create_update_delete(api):
    r = api.post("/v3/groups/1001/receivers", json={"email": "single@example.com",
                                                    "global_attributes": {"firstname": "S"}})
    assert r.status_code == 200
    rec = r.json()
    assert rec["email"] == "single@example.com" and rec["active"] is True
    assert rec["global_attributes"]["firstname"] == "S"
    r = api.post("/v3/groups/1001/receivers", json={"email": "single@example.com"})
    assert r.status_code == 400  # create_existing_policy "reject"
    r = api.put(f"/v3/groups/1001/receivers/{rec['id']}", json={"global_attributes": {"lastname": "L"}})
    assert r.status_code == 200 and r.json()["global_attributes"] == {"firstname": "S", "lastname": "L", "ext_id": ""}
    assert api.put("/v3/groups/1001/receivers/ghost@example.com", json={}).status_code == 404
    r = api.delete("/v3/groups/1001/receivers/single@example.com")
    assert r.status_code == 200 and r.json() is True
    assert api.get(f"/v3/groups/1001/receivers/{rec['id']}").status_code == 404
    assert api.delete("/v3/groups/1001/receivers/single@example.com").status_code == 404


# ------------------------------------------------------------------ activation semantics

def _state(api, email):
    r = api.get(f"/v3/groups/1001/receivers/{email}").json()
    return r["active"], r["activated"], r["deactivated"], r["bounced"]


def test_new_receiver_activation_defaults(api):
    res = api.post("/v3/groups/1001/receivers/upsert", json=[
        {"email": "n1@example.com"},
        {"email": "n2@example.com", "activated": 0},
        {"email": "n3@example.com", "deactivated": 1700000000},
        {"email": "n4@example.com", "registered": 1600000000, "activated": 1600000001}]).json()
    assert all(x["status"] == "insert success" for x in res)
    active, activated, _, _ = _state(api, "n1@example.com")
    n1 = api.get("/v3/groups/1001/receivers/n1@example.com").json()
    assert active and activated > 0 and n1["registered"] == activated
    assert _state(api, "n2@example.com")[:2] == (False, 0)
    assert _state(api, "n3@example.com")[0] is False
    n4 = api.get("/v3/groups/1001/receivers/n4@example.com").json()
    assert (n4["registered"], n4["activated"], n4["active"]) == (1600000000, 1600000001, True)


@pytest.mark.parametrize("email", ["ulla@example.com", "bert@example.com", "dora@example.com",
                                   "carl@example.com"])
def test_user_unsubscribed_or_bounced_never_reactivated(api, email):
    before = _state(api, email)
    assert before[0] is False
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": email, "activated": 1800000000}])
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": email, "deactivated": 0}])
    api.post("/v3/groups/1001/receivers/upsertplus", json=[{"email": email, "activated": 1800000000,
                                                            "deactivated": 0}])
    api.put(f"/v3/groups/1001/receivers/{email}", json={"activated": 1800000000, "deactivated": 0})
    r = api.put(f"/v3/groups/1001/receivers/{email}/activate")
    assert r.status_code == 200 and r.json() is True
    after = _state(api, email)
    assert after[0] is False
    assert after[2] == before[2] and after[3] == before[3]


def test_control_api_unsubscribe_and_bounce_lock_receiver(emu, api):
    emu.client.unsubscribe("acme", "grace@example.com", group_id="1001")
    assert _state(api, "grace@example.com")[0] is False
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "grace@example.com", "deactivated": 0}])
    api.put("/v3/groups/1001/receivers/grace@example.com/activate")
    assert _state(api, "grace@example.com")[0] is False
    ev = api.get("/v3/groups/1001/receivers/grace@example.com").json()["events"]
    assert any(e["type"] == "user_unsubscribe" for e in ev)
    emu.client.bounce("acme", "ada@example.com", message="smtp; 550 5.1.1 no such user")
    for gid in ("1001", "1002"):  # every membership of the email bounces
        a = api.get(f"/v3/groups/{gid}/receivers/ada@example.com").json()
        assert a["bounced"] > 0 and a["active"] is False
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "ada@example.com", "activated": 1900000000}])
    assert _state(api, "ada@example.com")[0] is False
    bounces = api.get("/v3/bounces").json()
    ada = [b for b in bounces if b["email"] == "ada@example.com"][0]
    assert ada["occurences"] == 1 and ada["bounce_message"] == "smtp; 550 5.1.1 no such user"


def test_api_deactivated_receiver_can_be_reactivated(api):
    assert _state(api, "linus@example.com")[0] is False
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "linus@example.com", "deactivated": 0}])
    assert _state(api, "linus@example.com")[0] is True
    assert api.put("/v3/groups/1001/receivers/linus@example.com/deactivate").json() is True
    active, _, deactivated, _ = _state(api, "linus@example.com")
    assert active is False and deactivated > 0
    assert api.put("/v3/groups/1001/receivers/linus@example.com/activate").json() is True
    assert _state(api, "linus@example.com")[0] is True
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "linus@example.com", "deactivated": 1800000000}])
    assert _state(api, "linus@example.com")[0] is False
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "linus@example.com", "activated": 1800000001}])
    assert _state(api, "linus@example.com")[0] is True


def test_pending_receiver_activated_by_api(api):
    assert _state(api, "pete@example.com")[:2] == (False, 0)
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "pete@example.com", "activated": 1800000000}])
    assert _state(api, "pete@example.com")[:2] == (True, 1800000000)


def test_signup_creates_active_form_receiver(emu, api):
    rec = emu.client.signup("acme", "1001", "form@example.com", {"firstname": "Fo"})
    got = api.get("/v3/groups/1001/receivers/form@example.com").json()
    assert got["id"] == rec["id"] and got["active"] is True and got["source"] == "Formular"
    assert got["global_attributes"]["ext_id"] == ""


# ------------------------------------------------------------------ deletes

def test_bulk_delete_group(emu, api, receiver_id):
    emu.client.update_settings(delete_by="id_or_email")
    grace = receiver_id(api, "grace@example.com")
    r = api.post("/v3/groups/1001/receivers/delete",
                 json=["ada@example.com", grace, "ghost@example.com"])
    assert r.status_code == 200
    assert r.json() == [{"status": "success"}, {"status": "success"}, "not found 'ghost@example.com'"]
    assert api.get("/v3/groups/1001/receivers/ada@example.com").status_code == 404
    assert api.get("/v3/groups/1002/receivers/ada@example.com").status_code == 200  # other group intact
    assert api.get("/v3/groups/1001/stats").json()["total_count"] == 6


def test_global_delete(api):
    r = api.post("/v3/receivers/delete.json", json={"receivers": ["ada@example.com", "ghost@example.com"]})
    assert r.status_code == 200
    assert r.json()[0] == {"status": "success"}
    for gid in ("1001", "1002"):
        assert api.get(f"/v3/groups/{gid}/receivers/ada@example.com").status_code == 404
    assert api.delete("/v3/receivers/grace@example.com").json() is True
    assert api.get("/v3/receivers/grace@example.com").status_code == 404


def test_delete_removes_events_and_new_membership_gets_new_id(api, receiver_id):
    old = receiver_id(api, "grace@example.com")
    api.delete(f"/v3/groups/1001/receivers/{old}")
    new = api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "grace@example.com"}]).json()[0]
    assert new["status"] == "insert success" and new["id"] != old
    events = api.get(f"/v3/groups/1001/receivers/{new['id']}").json()["events"]
    assert [e["type"] for e in events] == ["api"]


# ------------------------------------------------------------------ events

def test_events_truncated_to_last_250(emu, seed, api):
    events = [{"stamp": 1600000000 + i, "type": "api", "type_id": "REST update", "value": str(i)}
              for i in range(300)]
    seed["accounts"][0]["groups"][0]["receivers"][1]["events"] = events
    emu.client.reset(seed)
    api2 = type(api)(emu.url, emu.client.token("acme", "acme-secret"))
    got = api2.get("/v3/groups/1001/receivers/grace@example.com").json()["events"]
    # 300 seeded + send/open/click of mailing 5001 + send of 5003 -> the last 250 by time
    assert len(got) == 250
    stamps = [e["stamp"] for e in got]
    assert stamps == sorted(stamps)
    assert got[0]["value"] == "54"
    assert [e["type"] for e in got[-4:]] == ["mail_send", "mail_open", "mail_click", "mail_send"]
    assert [e["mailing_id"] for e in got[-4:]] == ["5001", "5001", "5001", "5003"]
    api2.post("/v3/groups/1001/receivers/upsert", json=[{"email": "grace@example.com"}])
    got = api2.get("/v3/groups/1001/receivers/grace@example.com").json()["events"]
    assert len(got) == 250 and got[-1]["type"] == "api"


# ------------------------------------------------------------------ performance smoke

def test_bulk_and_paging_throughput(api):
    import time
    api.post("/v3/groups", json={"name": "perf"})
    gid = api.get("/v3/groups").json()[-1]["id"]
    t0 = time.monotonic()
    for b in range(10):
        r = api.post(f"/v3/groups/{gid}/receivers/upsert",
                     json=[{"email": f"perf{b}-{i}@example.com", "global_attributes": {"ext_id": str(i)}}
                           for i in range(1000)])
        assert r.status_code == 200
    n = 0
    for page in range(3):
        n += len(api.get(f"/v3/groups/{gid}/receivers", params={"page": page, "pagesize": 5000}).json())
    assert n == 10000
    assert time.monotonic() - t0 < 6
