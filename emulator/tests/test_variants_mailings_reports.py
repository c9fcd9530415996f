"""The [U] settings of mailings and reports, every variant through real HTTP.

``report_page_clamp``, ``mailings_window_on``, ``mailings_limit_clamp`` and ``clicks_without_linkid``
(see emulator/README.md), with the verified forms the integration uses next to them.
"""

import pytest

from cleverreach_emulator.settings import VARIANTS

T0 = 1700000000
DAY = 86400


def _emails(rows):
    return sorted(r["email"] for r in rows)


# ------------------------------------------------------------------ report_page_clamp

@pytest.mark.parametrize("clamp", VARIANTS["report_page_clamp"])
def test_report_page_clamp(emu, api, clamp):
    emu.client.generate_receivers("acme", "1001", 150, email_pattern="bulk{n}@example.com")
    mid = emu.client.send_mailing("acme", ["1001"], name="Big", subject="Big")
    everyone = [r["id"] for page in range(2)
                for r in api.get(f"/v3/reports/{mid}/receivers/sent",
                                 params={"pagesize": 100, "page": page}).json()]
    assert len(everyone) == 152  # 150 generated + ada and grace (the other seed receivers are inactive)
    emu.client.update_settings(report_page_clamp=clamp)

    def page(n, size=40):
        params = {"pagesize": size, "page": n}
        return [r["id"] for r in api.get(f"/v3/reports/{mid}/receivers/sent", params=params).json()]

    served = 40 if clamp == 0 else min(40, clamp)
    assert page(0) == everyone[:served]
    assert page(1) == everyone[served:2 * served]
    assert len(page(0, size=500)) == (100 if clamp == 0 else clamp)  # after the report_pagesize_policy
    emu.client.update_settings(report_pagesize_policy="reject")
    assert api.get(f"/v3/reports/{mid}/receivers/sent", params={"pagesize": 101}).status_code == 400


def test_report_receivers_event_time_range_and_link(api):
    rows = api.get("/v3/reports/5001/receivers/opened", params={"from": T0 + 4500, "to": T0 + 5500}).json()
    assert _emails(rows) == ["grace@example.com"]
    rows = api.get("/v3/reports/5001/receivers/clicked",
                   params={"linkid": "2", "from": T0 + 4150, "to": T0 + 4300}).json()
    assert _emails(rows) == ["ada@example.com"]
    links = api.get("/v3/reports/5001/stats/links").json()["links"]
    assert [(link["id"], link["unique_clicks"]) for link in links] == [("1", 1), ("2", 2)]


# ------------------------------------------------------------------ clicks_without_linkid

@pytest.mark.parametrize("variant", VARIANTS["clicks_without_linkid"])
def test_clicked_without_linkid(emu, api, variant):
    emu.client.update_settings(clicks_without_linkid=variant)
    rows = api.get("/v3/reports/5001/receivers/clicked").json()
    if variant == "all":
        assert _emails(rows) == ["ada@example.com", "grace@example.com"]
    else:
        assert rows == []
    per_link = {link: _emails(api.get("/v3/reports/5001/receivers/clicked", params={"linkid": link}).json())
                for link in ("1", "2")}
    assert per_link == {"1": ["ada@example.com"], "2": ["ada@example.com", "grace@example.com"]}


# ------------------------------------------------------------------ mailings_window_on

@pytest.fixture
def late_mailing(emu, api):
    """A mailing created 30 days before it was started, and finished 500 s after the start."""
    created, started, finished = T0 - 30 * DAY, T0 + 100_000, T0 + 100_500
    mid = emu.client.send_mailing("acme", ["1001"], name="Late", stamp=created, started=started,
                                  finished=finished)
    return mid, created, started, finished


def test_a_mailing_can_be_created_long_before_it_is_sent(api, late_mailing):
    mid, created, started, finished = late_mailing
    m = api.get(f"/v3/mailings/{mid}").json()
    assert (m["stamp"], m["started"], m["finished"]) == (created, started, finished)
    assert m["mailing_groups"]["group_ids"] == ["1001"]
    assert mid in [x["id"] for x in api.get("/v3/mailings", params={"state": "finished"}).json()["finished"]]


@pytest.mark.parametrize("variant", VARIANTS["mailings_window_on"])
def test_mailings_window_filters_on_setting(emu, api, late_mailing, variant):
    mid, created, started, finished = late_mailing
    emu.client.update_settings(mailings_window_on=variant)

    def found(ts):
        params = {"state": "finished", "start": ts - 10, "end": ts + 10, "limit": 999}
        return mid in [m["id"] for m in api.get("/v3/mailings", params=params).json()["finished"]]

    hits = {"stamp": found(created), "started": found(started), "finished": found(finished)}
    assert hits == {name: name == variant for name in hits}


# ------------------------------------------------------------------ mailings_limit_clamp

@pytest.mark.parametrize("clamp", VARIANTS["mailings_limit_clamp"])
def test_mailings_limit_clamp(emu, seed, token_for, make_api, clamp):
    seed["accounts"][0]["mailings"] += [
        {"id": str(6000 + n), "name": f"Draft {n}", "state": "draft", "stamp": T0 + n, "group_ids": ["1001"]}
        for n in range(120)]
    emu.client.reset(seed)
    emu.client.update_settings(mailings_limit_clamp=clamp)
    api = make_api(token_for())

    def drafts(limit):
        return api.get("/v3/mailings", params={"state": "draft", "limit": limit}).json()["draft"]

    assert len(drafts(999)) == (121 if clamp == 0 else clamp)
    assert len(drafts(10)) == 10
    assert len(api.get("/v3/mailings", params={"state": "draft"}).json()["draft"]) == 25  # the default
