"""Mailings (object keyed by state), reports, report receivers, bounces."""

import pytest

T0 = 1700000000


def _emails(rows):
    return sorted(r["email"] for r in rows)


def test_mailings_keyed_by_state(api):
    r = api.get("/v3/mailings.json").json()
    assert isinstance(r, dict)
    assert set(r) >= {"draft", "finished", "waiting", "running"}
    assert [m["id"] for m in r["finished"]] == ["5003", "5001"]
    assert [m["id"] for m in r["draft"]] == ["5002"]
    assert r["waiting"] == [] and r["running"] == []
    only = api.get("/v3/mailings", params={"state": "finished"}).json()
    assert list(only) == ["finished"] and len(only["finished"]) == 2
    assert api.get("/v3/mailings", params={"state": "finished", "limit": 1}).json()["finished"][0]["id"] == "5003"
    ranged = api.get("/v3/mailings", params={"state": "finished", "start": T0, "end": T0 + 5000}).json()
    assert [m["id"] for m in ranged["finished"]] == ["5001"]
    assert api.get("/v3/mailings", params={"state": "bogus"}).status_code == 400


def test_mailing_object(api):
    m = api.get("/v3/mailings/5001").json()
    assert m["id"] == "5001" and m["state"] == "finished"
    assert (m["stamp"], m["started"], m["finished"]) == (T0 + 1000, T0 + 2000, T0 + 3000)
    assert m["mailing_groups"]["group_ids"] == ["1001"]
    assert {"name", "subject", "sender_name", "sender_email", "body_html", "body_text", "is_html", "is_text",
            "last_changed"} <= set(m)
    assert m["sender_email"] == "admin@acme.example"
    assert api.get("/v3/mailings/5002").json()["finished"] == 0
    assert api.get("/v3/mailings/424242").status_code == 404


def test_reports_list_and_detail(api):
    reports = api.get("/v3/reports.json").json()
    assert [r["id"] for r in reports] == ["5003", "5001"]
    assert {"id", "name", "subject", "finished"} <= set(reports[0])
    assert [r["id"] for r in api.get("/v3/reports", params={"pagesize": 1, "page": 1}).json()] == ["5001"]
    assert [r["id"] for r in api.get("/v3/reports", params={"start": T0, "end": T0 + 5000}).json()] == ["5001"]
    assert api.get("/v3/reports", params={"group_id": "1002"}).json() == []
    rep = api.get("/v3/reports/5001").json()
    assert rep["stats"]["sent"] == 4
    assert api.get("/v3/reports/5002").status_code == 404  # a draft has no report


def test_report_stats(api):
    s = api.get("/v3/reports/5001/stats").json()
    assert s == api.get("/v3/reports/5001/stats/full").json()
    assert (s["sent"], s["delivered"], s["bounced"], s["unique_opened"], s["unique_clicks"],
            s["total_clicks"], s["unsubscribed"]) == (4, 3, 1, 3, 2, 3, 1)
    links = api.get("/v3/reports/5001/stats/links.json").json()["links"]
    assert links == [
        {"id": "1", "link": "https://acme.example/a", "total_clicks": 1, "unique_clicks": 1},
        {"id": "2", "link": "https://acme.example/b", "total_clicks": 2, "unique_clicks": 2}]
    assert api.get("/v3/reports/5001/stats/bogus").status_code == 400
    # mailing 5003 went to everybody active at that time
    assert api.get("/v3/reports/5003/stats").json()["sent"] == 2


@pytest.mark.parametrize("state, expected", [
    ("sent", ["ada", "carl", "dora", "grace"]),
    ("opened", ["ada", "dora", "grace"]),
    ("notopened", ["carl"]),
    ("clicked", ["ada", "grace"]),
    ("notclicked", ["carl", "dora"]),
    ("bounced", ["carl"]),
    ("unsubscribed", ["dora"]),
])
def test_report_receivers_per_state(api, state, expected):
    rows = api.get(f"/v3/reports/5001/receivers/{state}").json()
    assert _emails(rows) == [f"{e}@example.com" for e in expected]
    assert all("global_attributes" in r for r in rows)


def test_report_receivers_filters_paging_and_events(api):
    rows = api.get("/v3/reports/5001/receivers/clicked", params={"linkid": "1"}).json()
    assert _emails(rows) == ["ada@example.com"]
    rows = api.get("/v3/reports/5001/receivers/opened", params={"from": T0 + 4500, "to": T0 + 10000}).json()
    assert _emails(rows) == ["dora@example.com", "grace@example.com"]
    pages = [api.get("/v3/reports/5001/receivers/sent", params={"page": p, "pagesize": 3}).json()
             for p in range(3)]
    assert [len(p) for p in pages] == [3, 1, 0]
    ada = api.get("/v3/reports/5001/receivers/sent", params={"detail": 1}).json()[0]
    assert ada["email"] == "ada@example.com"
    mine = [e for e in ada["events"] if e["mailing_id"] == "5001"]
    assert [(e["type"], e["type_id"]) for e in mine] == [
        ("mail_send", "5001"), ("mail_open", "5001"), ("mail_click", "1"), ("mail_click", "2")]
    assert all(set(e) == {"stamp", "type", "type_id", "value", "mailing_id", "groups_id"} for e in mine)
    carl = api.get("/v3/reports/5001/receivers/bounced", params={"detail": 1}).json()[0]
    bounce = [e for e in carl["events"] if e["type"] == "mail_bounce"][0]
    assert bounce["type_id"] == "hardbounce" and bounce["value"].startswith("smtp;")
    dora = api.get("/v3/reports/5001/receivers/unsubscribed", params={"detail": 1}).json()[0]
    assert any(e["type"] == "user_unsubscribe" and e["mailing_id"] == "5001" for e in dora["events"])
    no_detail = api.get("/v3/reports/5001/receivers/sent").json()[0]
    assert "events" not in no_detail
    assert api.get("/v3/reports/5001/receivers/weird").status_code == 400


def test_report_keeps_deleted_receivers(api, receiver_id):
    ada_id = receiver_id(api, "ada@example.com")
    assert api.delete(f"/v3/groups/1001/receivers/{ada_id}").json() is True
    rows = api.get("/v3/reports/5001/receivers/sent", params={"detail": 1}).json()
    ada = [r for r in rows if r["email"] == "ada@example.com"][0]
    assert ada["id"] == ada_id
    assert ada["global_attributes"]["ext_id"] == "42"
    assert [e["type"] for e in ada["events"]] == ["mail_send", "mail_open", "mail_click", "mail_click"]


def test_report_pagesize_clamp_and_reject(emu, api):
    emu.client.generate_receivers("acme", "1001", 150, email_pattern="bulk{n}@example.com")
    mid = emu.client.send_mailing("acme", ["1001"], name="Big", subject="Big")
    rows = api.get(f"/v3/reports/{mid}/receivers/sent", params={"pagesize": 500}).json()
    assert len(rows) == 100  # clamp (default)
    assert len(api.get(f"/v3/reports/{mid}/receivers/sent").json()) == 50  # default pagesize
    emu.client.update_settings(report_pagesize_policy="reject")
    r = api.get(f"/v3/reports/{mid}/receivers/sent", params={"pagesize": 101})
    assert r.status_code == 400 and r.json()["error"]["message"] == "Bad Request: pagesize too large"


def test_control_send_mailing(emu, api):
    mid = emu.client.send_mailing(
        "acme", ["1001"], name="Flash", subject="Flash sale", links=[{"id": "9", "url": "https://x.example"}],
        opens=["ada@example.com"], clicks=[{"email": "ada@example.com", "link_id": "9"}],
        unsubscribes=["grace@example.com"])
    m = api.get(f"/v3/mailings/{mid}").json()
    assert m["state"] == "finished" and m["finished"] > 0 and m["name"] == "Flash"
    assert _emails(api.get(f"/v3/reports/{mid}/receivers/sent").json()) == ["ada@example.com",
                                                                           "grace@example.com"]
    assert _emails(api.get(f"/v3/reports/{mid}/receivers/clicked", params={"linkid": "9"}).json()) == [
        "ada@example.com"]
    grace = api.get("/v3/groups/1001/receivers/grace@example.com").json()
    assert grace["active"] is False and grace["deactivated"] > 0
    assert mid in [x["id"] for x in api.get("/v3/reports").json()]
    with pytest.raises(Exception):
        emu.client.send_mailing("acme", ["1001"], opens=["nobody@example.com"])


def test_bounces_list(emu, api):
    bounces = api.get("/v3/bounces.json").json()
    assert {b["email"] for b in bounces} == {"carl@example.com", "bert@example.com"}
    b = [x for x in bounces if x["email"] == "carl@example.com"][0]
    assert set(b) == {"email", "category", "occurences", "last_update", "last_update_gmt", "expires_by",
                      "expires_by_gmt", "bounce_message", "type", "type_id"}
    assert b["category"] == "hardbounce" and b["occurences"] == 1
    assert b["type"] == "mailing" and b["type_id"] == "5001"
    assert b["last_update"] == T0 + 2100 and b["last_update_gmt"].startswith("2023-11-1")
    emu.client.bounce("acme", "carl@example.com")
    b = [x for x in api.get("/v3/bounces").json() if x["email"] == "carl@example.com"][0]
    assert b["occurences"] == 2
    assert len(api.get("/v3/bounces", params={"pagesize": 1, "page": 1}).json()) == 1
