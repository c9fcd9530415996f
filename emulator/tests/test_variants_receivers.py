"""The [U] settings of receivers and groups, every variant through real HTTP.

``delete_by``, ``global_attribute_scope``, ``insert_without_activated``, ``activated_zero_on_existing``,
``receivers_page_clamp``, ``deleted_group_response`` and ``idn_spelling`` (see emulator/README.md).
"""

import pytest

from cleverreach_emulator.settings import VARIANTS

T0 = 1700000000


def _receiver(api, email, group="1001"):
    r = api.get(f"/v3/groups/{group}/receivers/{email}")
    assert r.status_code == 200, r.text
    return r.json()


def _ext_id(api, email, group):
    return _receiver(api, email, group)["global_attributes"]["ext_id"]


# ------------------------------------------------------------------ delete_by

@pytest.mark.parametrize("delete_by", VARIANTS["delete_by"])
def test_group_bulk_delete_matches_items_by_setting(emu, api, receiver_id, delete_by):
    emu.client.update_settings(delete_by=delete_by)
    grace, dora = receiver_id(api, "grace@example.com"), receiver_id(api, "dora@example.com")
    items = [grace, "ada@example.com", {"email": "carl@example.com"}, {"id": dora}]
    result = api.post("/v3/groups/1001/receivers/delete", json=items).json()

    assert result[0] == result[3] == {"status": "success"}
    for email in ("grace@example.com", "dora@example.com"):
        assert api.get(f"/v3/groups/1001/receivers/{email}").status_code == 404
    if delete_by == "id":  # an e-mail is an unknown item: a per-item failure, nothing deleted
        assert all(isinstance(item, str) for item in result[1:3])
        assert _receiver(api, "ada@example.com")["email"] == "ada@example.com"
        assert _receiver(api, "carl@example.com")["email"] == "carl@example.com"
        assert api.get("/v3/groups/1001/stats").json()["total_count"] == 6
    else:
        assert result[1] == result[2] == {"status": "success"}
        assert api.get("/v3/groups/1001/receivers/ada@example.com").status_code == 404
        assert api.get("/v3/groups/1001/stats").json()["total_count"] == 4


@pytest.mark.parametrize("delete_by", VARIANTS["delete_by"])
def test_account_wide_delete_takes_emails_under_every_variant(emu, api, delete_by):
    emu.client.update_settings(delete_by=delete_by)
    result = api.post("/v3/receivers/delete", json={"receivers": ["ada@example.com"]}).json()
    assert result == [{"status": "success"}]
    assert api.get("/v3/groups/1002/receivers/ada@example.com").status_code == 404


# ------------------------------------------------------------------ global_attribute_scope

def test_account_scope_shares_values_of_an_address_across_groups(emu, api):
    assert emu.client.settings()["global_attribute_scope"] == "account"
    assert _ext_id(api, "ada@example.com", "1002") == "42"  # seeded through group 1001 only
    api.post("/v3/groups/1001/receivers/upsert",
             json=[{"email": "grace@example.com", "global_attributes": {"ext_id": "7"}}])
    api.post("/v3/groups/1002/receivers/upsert", json=[{"email": "grace@example.com"}])
    assert _ext_id(api, "grace@example.com", "1002") == "7"
    emu.client.signup("acme", "1002", "carl@example.com")  # created later, by a form
    api.post("/v3/groups/1002/receivers/upsert",
             json=[{"email": "carl@example.com", "global_attributes": {"ext_id": "9"}}])
    assert _ext_id(api, "carl@example.com", "1001") == "9"  # written through B, visible in A
    api.post("/v3/groups/1002/receivers/upsert",
             json=[{"email": "ada@example.com", "global_attributes": {"ext_id": ""}}])
    assert _ext_id(api, "ada@example.com", "1001") == ""


def test_group_scope_keeps_values_per_membership(emu, seed, token_for, make_api):
    seed["settings"]["global_attribute_scope"] = "group"
    emu.client.reset(seed)
    api = make_api(token_for())
    assert _ext_id(api, "ada@example.com", "1001") == "42"
    assert _ext_id(api, "ada@example.com", "1002") == ""
    api.post("/v3/groups/1001/receivers/upsert",
             json=[{"email": "grace@example.com", "global_attributes": {"ext_id": "7"}}])
    emu.client.signup("acme", "1002", "grace@example.com")
    assert _ext_id(api, "grace@example.com", "1002") == ""
    api.post("/v3/groups/1002/receivers/upsert",
             json=[{"email": "grace@example.com", "global_attributes": {"ext_id": "8"}}])
    assert _ext_id(api, "grace@example.com", "1001") == "7"


def test_scope_switches_at_run_time(emu, api):
    emu.client.update_settings(global_attribute_scope="group")
    api.post("/v3/groups/1002/receivers/upsert",
             json=[{"email": "ada@example.com", "global_attributes": {"firstname": "Augusta"}}])
    assert _receiver(api, "ada@example.com", "1001")["global_attributes"]["firstname"] == "Ada"
    emu.client.update_settings(global_attribute_scope="account")  # the later group wins a conflict
    assert _receiver(api, "ada@example.com", "1001")["global_attributes"]["firstname"] == "Augusta"
    api.post("/v3/groups/1001/receivers/upsert",
             json=[{"email": "ada@example.com", "global_attributes": {"lastname": "King"}}])
    assert _receiver(api, "ada@example.com", "1002")["global_attributes"]["lastname"] == "King"


# ------------------------------------------------------------------ insert_without_activated

def _write_new(api, how, item):
    if how == "post":
        r = api.post("/v3/groups/1001/receivers", json=item)
    else:
        r = api.post(f"/v3/groups/1001/receivers/{how}", json=[item])
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("how", ["insert", "upsert", "upsertplus", "post"])
@pytest.mark.parametrize("variant", VARIANTS["insert_without_activated"])
def test_new_receiver_without_activated(emu, api, variant, how):
    emu.client.update_settings(insert_without_activated=variant)
    _write_new(api, how, {"email": "new@example.com"})
    new = _receiver(api, "new@example.com")
    if variant == "active":
        assert new["active"] is True and new["activated"] > 0
    else:
        assert (new["active"], new["activated"], new["deactivated"]) == (False, 0, 0)
    _write_new(api, how, {"email": "zero@example.com", "activated": 0})
    _write_new(api, how, {"email": "stamped@example.com", "activated": T0})
    zero, stamped = _receiver(api, "zero@example.com"), _receiver(api, "stamped@example.com")
    assert (zero["active"], zero["activated"], zero["deactivated"]) == (False, 0, 0)
    assert (stamped["active"], stamped["activated"]) == (True, T0)


# ------------------------------------------------------------------ activated_zero_on_existing

@pytest.mark.parametrize("how", ["upsert", "upsertplus", "update"])
@pytest.mark.parametrize("variant", VARIANTS["activated_zero_on_existing"])
def test_activated_zero_for_an_existing_receiver(emu, api, variant, how):
    emu.client.update_settings(activated_zero_on_existing=variant)
    before = _receiver(api, "grace@example.com")
    assert before["active"] is True
    method = api.put if how == "update" else api.post
    r = method(f"/v3/groups/1001/receivers/{how}", json=[{"email": "grace@example.com", "activated": 0}])
    assert r.status_code == 200, r.text
    after = _receiver(api, "grace@example.com")
    if variant == "deactivate":
        assert after["active"] is False and after["deactivated"] > 0
        assert after["activated"] == before["activated"]
    elif variant == "ignore":
        assert (after["active"], after["activated"], after["deactivated"]) == (True, before["activated"], 0)
    else:
        assert (after["active"], after["activated"], after["deactivated"]) == (False, 0, 0)


@pytest.mark.parametrize("variant", VARIANTS["activated_zero_on_existing"])
def test_activated_zero_never_unlocks_a_user_unsubscribe(emu, api, variant):
    emu.client.update_settings(activated_zero_on_existing=variant)
    api.post("/v3/groups/1001/receivers/upsert", json=[{"email": "ulla@example.com", "activated": 0}])
    ulla = _receiver(api, "ulla@example.com")
    assert ulla["active"] is False and ulla["deactivated"] == T0 + 200
    assert api.put("/v3/groups/1001/receivers/ulla@example.com/activate").json() is True
    assert _receiver(api, "ulla@example.com")["active"] is False


# ------------------------------------------------------------------ receivers_page_clamp

@pytest.mark.parametrize("clamp", VARIANTS["receivers_page_clamp"])
def test_receivers_page_clamp(emu, api, clamp):
    emu.client.generate_receivers("acme", "1001", 60, email_pattern="bulk{n}@example.com")
    ids = [r["id"] for r in api.get("/v3/groups/1001/receivers",
                                    params={"pagesize": 100, "order_by": "id asc"}).json()]
    assert len(ids) == 68
    emu.client.update_settings(receivers_page_clamp=clamp)

    def page(n):
        params = {"pagesize": 40, "page": n, "order_by": "id asc"}
        return [r["id"] for r in api.get("/v3/groups/1001/receivers", params=params).json()]

    served = 40 if clamp == 0 else min(40, clamp)
    assert page(0) == ids[:served]
    assert page(1) == ids[served:2 * served]
    big_page = api.get("/v3/groups/1001/receivers", params={"pagesize": 100}).json()
    assert len(big_page) == (68 if clamp == 0 else clamp)  # silently shorter under a clamp
    assert api.get("/v3/groups/1001/receivers", params={"pagesize": 5001}).status_code == 400


@pytest.mark.parametrize("order, first", [
    ("id asc", "ada@example.com"), ("id desc", "pete@example.com"),
    ("registered asc", "ada@example.com"), ("registered desc", "pete@example.com"),
    ("email asc", "ada@example.com"), ("email desc", "ulla@example.com"),
])
def test_order_by_is_stable_and_pages_do_not_overlap(api, order, first):
    rows = [api.get("/v3/groups/1001/receivers", params={"pagesize": 3, "page": n, "order_by": order}).json()
            for n in range(3)]
    emails = [r["email"] for page in rows for r in page]
    assert emails[0] == first
    assert len(emails) == len(set(emails)) == 8


def test_order_by_ties_break_on_id(emu, api):
    emu.client.generate_receivers("acme", "1002", 5, email_pattern="same{n}@example.com")  # one timestamp
    rows = api.get("/v3/groups/1002/receivers", params={"order_by": "registered desc"}).json()
    same = [int(r["id"]) for r in rows if r["email"].startswith("same")]
    assert same == sorted(same, reverse=True)


# ------------------------------------------------------------------ deleted_group_response

@pytest.mark.parametrize("variant", VARIANTS["deleted_group_response"])
def test_deleted_or_unknown_group(emu, api, variant):
    emu.client.update_settings(deleted_group_response=variant)
    assert api.delete("/v3/groups/1002").json() is True
    for gid in ("1002", "9999"):
        r = api.get(f"/v3/groups/{gid}")
        if variant == "404":
            assert r.status_code == 404
            assert r.json() == {"error": {"code": 404, "message": "Not Found: invalid group"}}
        else:
            assert (r.status_code, r.json()) == (200, [])
        for sub in ("receivers", "stats", "attributes"):  # sub-resources stay 404 under every variant
            assert api.get(f"/v3/groups/{gid}/{sub}").status_code == 404
    assert api.get("/v3/groups/1001").json()["id"] == "1001"


# ------------------------------------------------------------------ idn_spelling

@pytest.mark.parametrize("variant", ["as_written", "either"])
def test_an_idn_address_is_found_under_its_written_spelling_and_the_other_one_by_setting(emu, api, variant):
    emu.client.update_settings(idn_spelling=variant)
    written = api.post("/v3/groups/1001/receivers/insert", json=[
        {"email": "Jürgen@Bücher.example"}, {"email": "x@xn--bcher-kva.example"}]).json()
    assert [item["status"] for item in written] == ["insert success", "insert success"]

    # the spelling it was written with, in any case, always finds it, and it is shown as written
    assert _found(api, ["jürgen@bücher.example", "X@XN--BCHER-KVA.EXAMPLE"]) == ["Jürgen@Bücher.example", "x@xn--bcher-kva.example"]
    other = ["jürgen@xn--bcher-kva.example", "x@bücher.example"]
    if variant == "as_written":
        assert _found(api, other) == []
        assert api.get("/v3/groups/1001/receivers/x@bücher.example").status_code == 404
    else:
        assert _found(api, other) == ["Jürgen@Bücher.example", "x@xn--bcher-kva.example"]
        assert _receiver(api, "x@bücher.example")["email"] == "x@xn--bcher-kva.example"
        # a write under the other spelling is the same receiver, not a second one
        again = api.post("/v3/groups/1001/receivers/insert", json=[{"email": "jürgen@xn--bcher-kva.example"}]).json()
        assert again[0] != {"status": "insert success"}


def _found(api, spellings):
    r = api.get("/v3/groups/1001/receivers", params={"email_list": ",".join(spellings), "type": "all"})
    assert r.status_code == 200, r.text
    return sorted(receiver["email"] for receiver in r.json())


@pytest.mark.parametrize(("variant", "anna", "juergen"), [
    ("punycode", "anna@xn--strae-oqa.de", "Jürgen@xn--bcher-kva.example"),
    ("idna2003", "anna@strasse.de", "Jürgen@xn--bcher-kva.example"),
])
def test_a_converting_service_stores_and_returns_the_ascii_domain(emu, api, variant, anna, juergen):
    emu.client.update_settings(idn_spelling=variant)
    written = api.post("/v3/groups/1001/receivers/upsert", json=[
        {"email": "anna@straße.de"}, {"email": "Jürgen@Bücher.example"}]).json()
    assert [item["status"] for item in written] == ["insert success", "insert success"]
    assert _found(api, ["anna@straße.de", "jürgen@bücher.example"]) == sorted([anna, juergen])
    assert _receiver(api, "Anna@Straße.de")["email"] == anna
    # IDNA 2008's punycode of straße.de is found where the service stores it, not where it folds ß to ss
    assert _found(api, ["anna@xn--strae-oqa.de"]) == ([anna] if variant == "punycode" else [])
    # a second write under another spelling of the same stored address updates, never duplicates
    again = api.post("/v3/groups/1001/receivers/insert", json=[{"email": "jürgen@xn--bcher-kva.example"}]).json()
    assert again[0] != {"status": "insert success"}
    single = api.post("/v3/groups/1001/receivers", json={"email": "neu@Bücher.example"})
    assert single.status_code == 200 and single.json()["email"] == "neu@xn--bcher-kva.example"


def test_a_refusing_service_rejects_a_non_ascii_address_per_item(emu, api):
    emu.client.update_settings(idn_spelling="refused")
    written = api.post("/v3/groups/1001/receivers/upsert", json=[
        {"email": "anna@straße.de"}, {"email": "anna@xn--strae-oqa.de"}, {"email": "Jürgen@example.org"}]).json()
    assert written[0] == "invalid address 'anna@straße.de';" and written[2] == "invalid address 'Jürgen@example.org';"
    assert written[1]["status"] == "insert success"
    assert _found(api, ["anna@straße.de", "anna@xn--strae-oqa.de"]) == ["anna@xn--strae-oqa.de"]
    assert api.post("/v3/groups/1001/receivers", json={"email": "x@bücher.example"}).status_code == 400
