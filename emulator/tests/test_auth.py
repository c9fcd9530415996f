"""OAuth token endpoint and token handling on /v3."""

import base64
import json

import requests


def test_token_via_basic_auth(url):
    r = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"),
                      data={"grant_type": "client_credentials"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 2592000
    assert body["access_token"].startswith("eyJ")
    assert "refresh_token" not in body


def test_token_via_form_fields(url):
    r = requests.post(url + "/oauth/token.php", data={
        "grant_type": "client_credentials", "client_id": "acme", "client_secret": "acme-secret"})
    assert r.status_code == 200
    assert r.json()["access_token"]


def test_token_via_json_body_and_basic(url):
    # RDO style: Basic auth plus a JSON body
    r = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"),
                      json={"grant_type": "client_credentials"})
    assert r.status_code == 200
    # CORE1 style: everything in JSON
    r = requests.post(url + "/oauth/token.php", json={
        "grant_type": "client_credentials", "client_id": "acme", "client_secret": "acme-secret"})
    assert r.status_code == 200


def test_bad_client_is_invalid_client(url):
    for kwargs in ({"auth": ("acme", "wrong")},
                   {"data": {"client_id": "nobody", "client_secret": "x"}},
                   {}):
        data = dict(kwargs.pop("data", {}), grant_type="client_credentials")
        r = requests.post(url + "/oauth/token.php", data=data, **kwargs)
        assert r.status_code == 401
        body = r.json()
        assert body["error"] == "invalid_client"
        assert body["error_description"]


def test_unsupported_or_missing_grant(url):
    r = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"), data={"grant_type": "password"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"), data={})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_authorization_code_and_refresh_rotation(url):
    r = requests.post(url + "/oauth/token.php", data={
        "grant_type": "authorization_code", "client_id": "acme", "client_secret": "acme-secret",
        "code": "anything", "redirect_uri": "https://x.example/cb"})
    assert r.status_code == 200
    first = r.json()
    assert first["refresh_token"]
    r = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"),
                      data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    # a used refresh token is dead
    r = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"),
                      data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # empty code is refused
    r = requests.post(url + "/oauth/token.php", auth=("acme", "acme-secret"),
                      data={"grant_type": "authorization_code", "code": ""})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # new access token works
    r = requests.get(url + "/v3/debug/validate", headers={"Authorization": "Bearer " + second["access_token"]})
    assert r.status_code == 200 and r.json() is True


def test_authorize_redirects_with_code(url):
    r = requests.get(url + "/oauth/authorize.php", params={
        "response_type": "code", "grant": "basic", "client_id": "acme",
        "redirect_uri": "https://x.example/cb", "state": "xyz"}, allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("https://x.example/cb?code=")
    assert "state=xyz" in r.headers["Location"]


def test_bearer_and_query_token(url, token_for):
    token = token_for()
    a = requests.get(url + "/v3/groups", headers={"Authorization": f"Bearer {token}"})
    b = requests.get(url + "/v3/groups", params={"token": token})
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()


def test_missing_or_invalid_token_is_401(url):
    for kwargs in ({}, {"headers": {"Authorization": "Bearer nope"}}, {"params": {"token": "nope"}}):
        r = requests.get(url + "/v3/groups", **kwargs)
        assert r.status_code == 401
        assert r.json() == {"error": {"code": 401, "message": "Unauthorized"}}


def test_ping_needs_no_auth(url):
    for path in ("/v3/debug/ping", "/v3/debug/ping.json"):
        r = requests.get(url + path)
        assert r.status_code == 200 and r.json() is True


def test_validate_ttl_whoami(api):
    r = api.get("/v3/debug/validate.json")
    assert r.status_code == 200 and r.text == "true"
    ttl = api.get("/v3/debug/ttl.json").json()
    assert 2591990 <= ttl["ttl"] <= 2592000
    assert "T" in ttl["date"]
    who = api.get("/v3/debug/whoami.json").json()
    assert who["id"] == "100001"
    assert who["email"] == "admin@acme.example"
    assert who["login_domain"] == "100001.eu2.cleverreach.com"
    assert {"name", "firstname", "company"} <= set(who)


def test_revoked_token_is_401(emu, api, token_for):
    other = token_for("globex", "globex-secret")
    assert api.get("/v3/groups").status_code == 200
    assert emu.client.revoke_tokens("acme") >= 1
    r = api.get("/v3/groups")
    assert r.status_code == 401 and r.json()["error"]["message"] == "Unauthorized"
    # other accounts are untouched, and a new token works
    assert requests.get(emu.url + "/v3/groups", params={"token": other}).status_code == 200
    assert requests.get(emu.url + "/v3/groups", params={"token": token_for()}).status_code == 200


def test_expired_token_is_401(emu, api):
    emu.client.update_settings(token_ttl=100)
    token = emu.client.token("acme", "acme-secret")
    assert requests.get(emu.url + "/v3/debug/validate", params={"token": token}).status_code == 200
    emu.client.advance_clock(101)
    r = requests.get(emu.url + "/v3/debug/validate", params={"token": token})
    assert r.status_code == 401


def test_exchange_invalidates_old_token(api, url):
    r = api.get("/v3/debug/exchange.json")
    assert r.status_code == 200
    new = r.json()
    assert {"access_token", "expires_in", "refresh_token"} <= set(new)
    assert api.get("/v3/debug/validate").status_code == 401
    assert requests.get(url + "/v3/debug/validate", params={"token": new["access_token"]}).json() is True


def test_token_revoke_endpoint(api):
    r = api.delete("/v3/oauth/token.json")
    assert r.status_code == 200 and r.json() is True
    assert api.get("/v3/debug/validate").status_code == 401


def test_no_login_endpoint_in_v3_and_lower_versions(api, url):
    creds = {"client_id": "100001", "login": "admin", "password": "pw"}
    for path in ("/v3/login", "/v3/login.json", "/v2/login", "/v2/login.json", "/v1/login"):
        r = requests.post(url + path, json=creds)
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == 404
    # a v3 token on a lower version is refused (URL-joining quirk)
    r = api.get("/v2/groups.json")
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Forbidden: v3 token on lower version"


def test_token_payload_is_jwt_like(token_for):
    token = token_for()
    header, payload, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert data["iss"] == "rest.cleverreach.com"
    assert {"shard", "zone", "scopes"} <= set(data)
