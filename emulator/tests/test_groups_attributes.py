"""Groups, group stats and attributes."""

import time


def test_group_crud(api):
    groups = api.get("/v3/groups").json()
    assert [g["id"] for g in groups] == ["1001", "1002"]
    assert set(groups[0]) == {"id", "name", "locked", "backup", "receiver_info", "stamp", "last_mailing",
                              "last_changed"}
    assert groups[0]["last_mailing"] == 1700009000  # mailing 5003 finished
    r = api.post("/v3/groups.json", json={"name": "CRM export", "receiver_info": "from CRM"})
    assert r.status_code == 200
    g = r.json()
    assert isinstance(g["id"], str) and g["name"] == "CRM export" and g["receiver_info"] == "from CRM"
    assert api.put(f"/v3/groups/{g['id']}", json={"name": "Renamed"}).json()["name"] == "Renamed"
    assert api.get(f"/v3/groups/{g['id']}").json()["name"] == "Renamed"
    assert api.post("/v3/groups", json={}).status_code == 400
    assert api.delete(f"/v3/groups/{g['id']}").json() is True
    assert api.get(f"/v3/groups/{g['id']}").status_code == 404
    assert api.get(f"/v3/groups/{g['id']}/receivers").status_code == 404


def test_group_stats(api):
    s = api.get("/v3/groups/1001/stats").json()
    assert set(s) == {"total_count", "inactive_count", "active_count", "bounce_count", "avg_points",
                      "quality", "time", "order_count"}
    assert (s["total_count"], s["active_count"], s["inactive_count"], s["bounce_count"]) == (8, 2, 4, 2)
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "s@example.com"}])
    assert api.get("/v3/groups/1001/stats").json()["active_count"] == 3


def test_group_stats_cache_setting(emu, api):
    emu.client.update_settings(stats_cache_ttl=60)
    first = api.get("/v3/groups/1001/stats").json()
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "cached@example.com"}])
    assert api.get("/v3/groups/1001/stats").json()["total_count"] == first["total_count"]  # stale
    emu.client.advance_clock(61)
    assert api.get("/v3/groups/1001/stats").json()["total_count"] == first["total_count"] + 1


def test_ui_group_changes_visible_to_api(emu, api):
    g = emu.client.create_group("acme", "Made in UI")
    assert g["id"] in [x["id"] for x in api.get("/v3/groups").json()]
    assert emu.client.delete_group("acme", "1002") is True
    assert api.get("/v3/groups/1002").status_code == 404


def test_attribute_object_and_list(api):
    attrs = api.get("/v3/attributes.json").json()
    assert [a["name"] for a in attrs] == ["firstname", "lastname", "ext_id"]
    a = attrs[2]
    assert isinstance(a["id"], int)
    assert a["groups_id"] == 0 and a["value"] is None and a["tag"] == "{EXT_ID}"
    assert {"id", "groups_id", "name", "description", "preview_value", "value", "type", "tag"} <= set(a)
    assert api.get("/v3/attributes", params={"group_id": 0}).json() == attrs
    local = api.get("/v3/attributes", params={"group_id": "1002"}).json()
    assert [x["name"] for x in local] == ["guideline"]
    assert local[0]["groups_id"] == 1002
    assert api.get("/v3/groups/1002/attributes").json() == local
    assert api.get(f"/v3/attributes/{a['id']}").json() == a


def test_attribute_create_normalises_and_returns_only_id(api):
    r = api.post("/v3/attributes.json", json={"name": "Communication Key", "type": "text",
                                              "description": "Key", "preview_value": "", "default_value": ""})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["id"] and isinstance(body["id"], int)
    created = api.get(f"/v3/attributes/{body['id']}").json()
    assert created["name"] == "communication_key" and created["tag"] == "{COMMUNICATION_KEY}"
    # duplicate (after normalisation) -> 409
    r = api.post("/v3/attributes", json={"name": "communication key"})
    assert r.status_code == 409
    assert r.json() == {"error": {"code": 409, "message": "Conflict: attribute already exists"}}
    # every receiver now shows the new attribute, "" when unset
    rec = api.get("/v3/groups/1001/receivers/ada@example.com").json()
    assert rec["global_attributes"]["communication_key"] == ""
    api.post("/v3/groups/1001/receivers/upsert",
             json=[{"email": "ada@example.com", "global_attributes": {"communication_key": "K1"}}])
    rec = api.get("/v3/groups/1001/receivers/ada@example.com").json()
    assert rec["global_attributes"]["communication_key"] == "K1"


def test_attribute_update_delete(api):
    aid = api.get("/v3/attributes").json()[0]["id"]
    r = api.put(f"/v3/attributes/{aid}", json={"description": "Vorname", "type": "text"})
    assert r.status_code == 200 and r.json()["description"] == "Vorname"
    assert api.delete(f"/v3/attributes/{aid}").json() is True
    assert api.get(f"/v3/attributes/{aid}").status_code == 404
    rec = api.get("/v3/groups/1001/receivers/ada@example.com").json()
    assert "firstname" not in rec["global_attributes"]
    # re-created attribute does not resurrect old values
    api.post("/v3/attributes", json={"name": "firstname"})
    rec = api.get("/v3/groups/1001/receivers/ada@example.com").json()
    assert rec["global_attributes"]["firstname"] == ""


def test_group_local_attributes(api):
    r = api.post("/v3/groups/1001/attributes", json={"name": "Local Thing"})
    assert r.status_code == 200
    aid = r.json()["id"]
    assert [x["name"] for x in api.get("/v3/groups/1001/attributes").json()] == ["local_thing"]
    api.post("/v3/groups/1001/receivers/upsert",
             json=[{"email": "ada@example.com", "attributes": {"local_thing": "v"}}])
    rec = api.get("/v3/groups/1001/receivers/ada@example.com").json()
    assert rec["attributes"] == {"local_thing": "v"}
    assert "local_thing" not in rec["global_attributes"]
    assert api.delete(f"/v3/groups/1001/attributes/{aid}").json() is True
    assert api.get("/v3/groups/1001/receivers/ada@example.com").json()["attributes"] == {}


def test_attribute_limit(emu, api):
    emu.client.update_settings(max_attributes=5)
    assert api.post("/v3/attributes", json={"name": "a5"}).status_code == 200  # 4 existing + 1
    r = api.post("/v3/attributes", json={"name": "a6"})
    assert r.status_code == 403
    limits = api.get("/v3/attributes/limits.json").json()
    assert limits["used"] == 5 and limits["canCreate"] is False


def test_attributes_other_account_404(api, globex):
    aid = api.get("/v3/attributes").json()[0]["id"]
    assert globex.get(f"/v3/attributes/{aid}").status_code == 404
    assert globex.delete(f"/v3/attributes/{aid}").status_code == 404
    assert globex.get("/v3/attributes", params={"group_id": "1001"}).status_code == 404


def test_stats_time_field(api):
    assert abs(api.get("/v3/groups/1001/stats").json()["time"] - time.time()) < 5
