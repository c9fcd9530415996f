"""An emulator account for the live API check: existing groups, receivers and finished mailings that the
check may read but must never change, and enough of them for every probe to see something."""

from __future__ import annotations

import pytest
from helpers.connections import set_cleverreach_connection

CLIENT_ID, SECRET = "acme-client", "acme-S3CRET-api-check-41"
CONN_ID = "cleverreach_acme"
EXISTING_GROUPS = {"7001", "7002"}
TEST_EMAILS = ["check-one@tests.example", "check-two@tests.example"]
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 1, "retry_attempts": 2}
NOW = 1_790_000_000


def seed(*, mailings: bool = True) -> dict:
    """Group 7001 (40 receivers) got the newest mailing, with distinct stamp/started/finished and
    clicks on two links; group 7002 got 115 older ones, so that a limit clamp at 100 shows."""
    customers = [{"email": f"kunde{i:02d}@bestand.example", "global_attributes": {}} for i in range(40)]
    account: dict = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "groups": [
            {"id": "7001", "name": "Bestand", "receivers": customers},
            {"id": "7002", "name": "Klein", "receivers": [{"email": "klein@bestand.example"}]},
        ],
        "mailings": [],
    }
    if mailings:
        clicks = {i: [{"link_id": "1"}] for i in range(5)} | {i: [{"link_id": "2"}] for i in range(3, 8)}
        account["mailings"].append({
            "id": "9001", "name": "Herbst", "subject": "Herbst", "state": "finished", "group_ids": ["7001"],
            "stamp": NOW - 30_000, "started": NOW - 20_000, "finished": NOW - 10_000,
            "links": [{"id": "1", "url": "https://shop.example/a"}, {"id": "2", "url": "https://shop.example/b"}],
            "recipients": [{"email": c["email"], "clicks": clicks.get(i, [])} for i, c in enumerate(customers)],
        })
        for n in range(115):
            stamp = NOW - 1_000_000 + n * 1000
            account["mailings"].append({
                "id": str(9100 + n), "name": f"Alt {n}", "state": "finished", "group_ids": ["7002"],
                "stamp": stamp, "started": stamp + 100, "finished": stamp + 200,
            })
    return {"accounts": [account]}


@pytest.fixture
def api_account(emulator, monkeypatch):
    """The emulator with :func:`seed` and the tenant's connection ``cleverreach_acme``."""
    emulator.client.reset(seed())
    set_cleverreach_connection(monkeypatch, CONN_ID, emulator.url, CLIENT_ID, SECRET, **FAST)
    return emulator


def existing_state(emulator) -> dict:
    """What the check must leave alone: the existing groups with their receivers, and the mailings."""
    state = emulator.client.state()
    account = state["accounts"][0]
    groups = {g["id"]: g for g in account["groups"] if g["id"] in EXISTING_GROUPS}
    receivers = {gid: emulator.client.group_receivers(gid) for gid in EXISTING_GROUPS}
    return {"groups": groups, "receivers": receivers, "mailings": account.get("mailings")}


def scratch_group_ids(requests: list[dict]) -> set[str]:
    """Ids of the groups the run's requests name, other than the existing ones."""
    ids = set()
    for entry in requests:
        parts = entry["path"].split("/")
        if len(parts) > 3 and parts[1] == "v3" and parts[2] == "groups":
            ids.add(parts[3])
    return ids - EXISTING_GROUPS


def derived_prefixes() -> list[str]:
    """The start of every address the check derives from the test addresses (``local+crcheck-``)."""
    return [f"{email.split('@')[0]}+crcheck-" for email in TEST_EMAILS]
