"""General conventions: .json suffixes, string ids, bare true bodies, error shapes, isolation."""

import pytest


@pytest.mark.parametrize("bare, suffixed", [
    ("/v3/groups", "/v3/groups.json"),
    ("/v3/groups/1001", "/v3/groups.json/1001"),
    ("/v3/groups/1001/receivers", "/v3/groups.json/1001/receivers"),
    ("/v3/groups/1001/receivers", "/v3/groups.json/1001/receivers.json"),
    ("/v3/groups/1001/receivers/ada@example.com", "/v3/groups.json/1001/receivers.json/ada@example.com"),
    ("/v3/groups/1001/stats", "/v3/groups.json/1001/stats.json"),
    ("/v3/attributes", "/v3/attributes.json"),
    ("/v3/mailings", "/v3/mailings.json"),
    ("/v3/reports/5001/receivers/opened", "/v3/reports.json/5001/receivers.json/opened"),
    ("/v3/debug/whoami", "/v3/debug/whoami.json"),
])
def test_json_suffix_and_bare_paths_agree(api, bare, suffixed):
    a, b = api.get(bare), api.get(suffixed)
    assert a.status_code == b.status_code == 200
    if "stats" in bare:
        a, b = a.json(), b.json()
        a.pop("time"), b.pop("time")
        assert a == b
    else:
        assert a.json() == b.json()


def test_json_suffix_on_writes(api):
    r = api.post("/v3/groups.json/1001/receivers/upsert.json", json=[{"email": "new@example.com"}])
    assert r.status_code == 200 and r.json()[0]["status"] == "insert success"
    r = api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "new@example.com"}])
    assert r.json()[0]["status"] == "update success"


def test_ids_are_strings_and_attribute_ids_numbers(api):
    groups = api.get("/v3/groups").json()
    assert all(isinstance(g["id"], str) for g in groups)
    recs = api.get("/v3/groups/1001/receivers").json()
    assert all(isinstance(r["id"], str) and isinstance(r["group_id"], str) for r in recs)
    attrs = api.get("/v3/attributes").json()
    assert attrs and all(isinstance(a["id"], int) for a in attrs)
    m = api.get("/v3/mailings/5001").json()
    assert isinstance(m["id"], str)
    assert all(isinstance(g, str) for g in m["mailing_groups"]["group_ids"])
    reports = api.get("/v3/reports").json()
    assert all(isinstance(r["id"], str) for r in reports)
    # timestamps are ints
    r0 = recs[0]
    for k in ("registered", "activated", "deactivated", "bounced", "imported", "last_changed"):
        assert isinstance(r0[k], int)


def test_bare_true_bodies(api, receiver_id):
    checks = [
        api.get("/v3/debug/validate"),
        api.put("/v3/groups/1001/receivers/grace@example.com/deactivate"),
        api.put("/v3/groups/1001/receivers/grace@example.com/activate"),
        api.delete(f"/v3/groups/1001/receivers/{receiver_id(api, 'grace@example.com')}"),
        api.delete("/v3/attributes/" + str(api.get("/v3/attributes").json()[0]["id"])),
        api.delete("/v3/groups/1002"),
    ]
    for r in checks:
        assert r.status_code == 200, r.request.url
        assert r.text == "true"
        assert r.headers["content-type"].startswith("application/json")


def test_error_shapes(api):
    r = api.get("/v3/groups/999999")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": 404, "message": "Not Found: invalid group"}}
    r = api.get("/v3/groups/1001/receivers/nobody@example.com")
    assert r.json() == {"error": {"code": 404, "message": "Not Found: invalid receiver"}}
    r = api.get("/v3/receivers/12345678")
    assert r.status_code == 404 and r.json()["error"]["message"] == "Not Found: invalid receiver"
    r = api.get("/v3/groups/1001/receivers", params={"pagesize": 5001})
    assert r.json() == {"error": {"code": 400, "message": "Bad Request: pagesize too large"}}
    r = api.get("/v3/no/such/thing")
    assert r.status_code == 404 and r.json()["error"]["code"] == 404


def test_account_isolation(api, globex):
    # globex cannot see acme's group, receivers, mailings or attributes
    for path in ("/v3/groups/1001", "/v3/groups/1001/receivers", "/v3/groups/1001/stats"):
        r = globex.get(path)
        assert r.status_code == 404
        assert r.json()["error"]["message"] == "Not Found: invalid group"
    assert globex.post("/v3/groups/1001/receivers/upsert", json=[{"email": "x@y.de"}]).status_code == 404
    assert globex.get("/v3/receivers/ada@example.com").status_code == 404
    assert globex.get("/v3/mailings/5001").status_code == 404
    assert globex.get("/v3/reports/5001").status_code == 404
    assert [g["id"] for g in globex.get("/v3/groups").json()] == ["2001"]
    assert globex.get("/v3/attributes").json() == []
    assert api.get("/v3/groups/2001").status_code == 404
    ada = api.get("/v3/groups/1001/receivers/ada@example.com").json()
    assert globex.get(f"/v3/receivers/{ada['id']}").status_code == 404


def test_group_and_receiver_ids_unique_across_emulator(api, globex):
    a = api.post("/v3/groups", json={"name": "A"}).json()
    b = globex.post("/v3/groups", json={"name": "B"}).json()
    assert a["id"] != b["id"]
    ra = api.post(f"/v3/groups/{a['id']}/receivers/upsert", json=[{"email": "same@example.com"}]).json()
    rb = globex.post(f"/v3/groups/{b['id']}/receivers/upsert", json=[{"email": "same@example.com"}]).json()
    assert ra[0]["id"] != rb[0]["id"]
