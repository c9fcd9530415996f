"""Property-based tests of the pure sync: ``prepare_desired`` → ``receivers_frame`` → ``diff`` → payloads.

Hypothesis draws CRM members (ids of any kind: integers, above 2^31 too, UUIDs, text, zero-padded digits; e-mails with duplicates, case and blank variants, NFD umlauts,
invalid and missing addresses, attribute values with umlauts, control characters and long strings,
CRM sync states) and a group's receivers (owned by a member, by a non-member or by nobody; active,
pending, unsubscribed, bounced or deactivated by the sync itself; recorded as the sync's or not, whatever
ext_id they carry; addresses overlapping the members'). The plan is then applied to a model of the group
that behaves like CleverReach does for the calls the service makes (inserts that create receivers with
the ``activated`` they carry, upserts matched by e-mail case-insensitively that set global attributes,
activation and removal by id), and the properties are checked against an oracle written from the rules
in the README.
"""

from __future__ import annotations

import copy
import json
import random
import os
import re
import unicodedata
import uuid
from typing import Any

import pandas as pd
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleverreach.hooks.bodies import BatchBodies
from cleverreach.sync.actual import ACTUAL_COLUMNS, receivers_frame
from cleverreach.sync.desired import prepare_desired, validate_emails
from cleverreach.sync.diff import diff
from cleverreach.sync.fields import ATTRIBUTE_COLUMNS, ATTRIBUTES, MAX_ATTRIBUTE_LENGTH
from cleverreach.sync.keys import email_key
from cleverreach.sync.ownership import OWNED_COLUMNS, owned_frame

EXT = "ext_id"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# The diff and the validation cost tens of milliseconds per call (pandas), hence moderate example counts;
# no example database (nothing to replay or keep between runs).
# `make check` (the quick tier) sets CLEVERREACH_PROPERTY_SHARE=0.25: a quarter of the examples; `make test` runs all.
_SHARE = float(os.environ.get("CLEVERREACH_PROPERTY_SHARE") or 1)
PROPERTY_SETTINGS = settings(max_examples=max(10, int(100 * _SHARE)), deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow])
LIGHT_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=max(10, int(50 * _SHARE)))

# ---------------------------------------------------------------------- strategies
BASES = [
    "anna@example.org",
    "Jürgen.Groß@bücher.example",
    "bob.smith@example.com",
    "x+tag@sub.example.net",
    "o'brien@example.ie",
    "zoë@müller.example",
    "Carl@Example.org",
]
FRESH = [f"new{n}@example.org" for n in range(5)]
OTHERS = [f"other{n}@example.net" for n in range(4)]
INVALID = [None, "", "   ", "\t", "not-an-address", "a@b", "@example.org", "anna@@example.org",
           "anna@example..org", "an na@example.org", "x@localhost", "a@example.test", ".a@example.org"]


def _variant(email: str, how: str) -> str:
    return {
        "same": email,
        "upper": email.upper(),
        "lower": email.lower(),
        "swap": email.swapcase(),
        "spaces": f"  {email} ",
        "tab": f"\t{email}\n",
        "nfd": unicodedata.normalize("NFD", email),
    }[how]


VARIANTS = st.sampled_from(["same", "same", "upper", "lower", "swap", "spaces", "tab", "nfd"])
member_emails = st.one_of(
    st.builds(_variant, st.sampled_from(BASES + FRESH), VARIANTS),
    st.sampled_from(INVALID),
)
texts = st.one_of(
    st.none(),
    st.sampled_from(["", "Anna", "Müller", "Groß", "  Ärztin ", "O'Brien", "Zoë\x00", "Line\nBreak", "\t\x07",
                     "Straße 1\r\n", "ẞ", "\x7f"]),
    st.text(max_size=12),
    st.builds(lambda unit, n: (unit * n)[:n], st.sampled_from(["ä", "ß ", "a\x01", " x\n"]), st.integers(240, 300)),
)
receiver_attr_values = st.sampled_from(["", "Anna", "Müller", "Groß", "Ärztin", "x" * MAX_ATTRIBUTE_LENGTH])


KEY_STYLES = {  # the CRM's contact keys: what prepare_desired reads, each kind in its own order
    "integer": lambda n: n,
    "bigint": lambda n: 5_000_000_000 + n,
    "uuid": lambda n: str(uuid.UUID(int=n * 0x9E3779B97F4A7C15)),
    "text": lambda n: f"A-{n}",
    "padded": lambda n: f"{n:04d}",
}


@st.composite
def members_lists(draw) -> list[dict]:
    ids = draw(st.lists(st.integers(1, 40), unique=True, max_size=12))
    style = draw(st.sampled_from(list(KEY_STYLES)))
    rows = []
    for cid in ids:
        row = {
            "contact_person_id": KEY_STYLES[style](cid),
            "email": draw(member_emails),
            "sync_state": draw(st.sampled_from(["pending", "synced", "rejected", "unsubscribed", "bounced", None])),
            "sync_error": None,
        }
        for column in ATTRIBUTE_COLUMNS.values():
            row[column] = draw(texts)
        rows.append(row)
    return rows


@st.composite
def receiver_lists(draw, member_ids: list[int | str]) -> list[dict]:
    addresses = draw(st.lists(st.sampled_from(BASES + FRESH + OTHERS), unique=True, max_size=12))
    ext_choices = [st.none(), st.just(""), st.just("  "), st.integers(100, 104).map(str), st.just("abc")]
    if member_ids:
        member_ext = st.sampled_from(member_ids).map(str)
        ext_choices += [member_ext, member_ext, member_ext.map(lambda s: f" {s} ")]
    receivers, keys = [], set()
    for n, address in enumerate(addresses):
        email = draw(st.builds(_variant, st.just(address), st.sampled_from(["same", "upper", "lower", "swap"])))
        if email.lower() in keys:  # CleverReach keeps one receiver per address and group
            continue
        keys.add(email.lower())
        status = draw(st.sampled_from(["active", "active", "active", "pending", "unsubscribed", "bounced", "both",
                                       "ours_deactivated"]))
        attrs: dict[str, Any] = {name: draw(receiver_attr_values) for name in draw(st.sets(st.sampled_from(ATTRIBUTES)))}
        ext = draw(st.one_of(*ext_choices))
        if ext is not None:
            attrs[EXT] = ext
        receivers.append({
            "id": str(3000000 + n),
            "email": email,
            "activated": 0 if status == "pending" else 1690000000,
            "deactivated": 1700000000 if status in ("unsubscribed", "both", "ours_deactivated") else 0,
            "bounced": 1700000500 if status in ("bounced", "both") else 0,
            "global_attributes": attrs if attrs or draw(st.booleans()) else None,
            "_owned": status == "ours_deactivated" or draw(st.booleans()),
            "_ours_deactivated": status == "ours_deactivated",
        })
    return receivers


@st.composite
def worlds(draw) -> tuple[list[dict], list[dict]]:
    members = draw(members_lists())
    receivers = draw(receiver_lists([m["contact_person_id"] for m in members]))
    # Some receivers already hold a member's attributes exactly (with or without its ext_id): the
    # "unchanged" and "adopt, nothing else differs" cases.
    by_key = {}
    for member in members:
        by_key.setdefault((member["email"] or "").strip().lower(), member)
    for receiver in receivers:
        member = by_key.get(receiver["email"].lower())
        if member is not None and draw(st.booleans()):
            attrs = {name: _clean(member[column]) for name, column in ATTRIBUTE_COLUMNS.items()}
            ext = draw(st.sampled_from(["", str(member["contact_person_id"])]))
            receiver["global_attributes"] = {**{k: v for k, v in attrs.items() if v}, **({EXT: ext} if ext else {})}
    return members, receivers


def _clean(value: Any) -> str:
    return _CONTROL.sub(" ", "" if value is None else str(value)).strip()[:MAX_ATTRIBUTE_LENGTH]


# ---------------------------------------------------------------------- helpers
MEMBER_COLUMNS = ["contact_person_id", "sync_state", "sync_error", "email", *ATTRIBUTE_COLUMNS.values()]


def members_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=MEMBER_COLUMNS)


def actual_frame(receivers: list[dict], page_size: int | None = None) -> pd.DataFrame:
    if page_size:
        pages = [receivers[i : i + page_size] for i in range(0, len(receivers), page_size)]
    else:
        pages = [receivers]
    return receivers_frame(pages, EXT)


def key(email: str) -> str:
    return email_key(email)


def ext_of(receiver: dict) -> str:
    return str((receiver.get("global_attributes") or {}).get(EXT) or "").strip()


def inactive(receiver: dict) -> bool:
    return bool(receiver["deactivated"]) or bool(receiver["bounced"])


def record_of(receivers: list[dict], owned_ids: set[str]) -> pd.DataFrame:
    """The ownership record naming ``owned_ids``; a receiver the sync deactivated carries its stamp."""
    rows = [r for r in receivers if r["id"] in owned_ids]
    return owned_frame(pd.DataFrame({
        "email_key": [key(r["email"]) for r in rows],
        "receiver_id": [r["id"] for r in rows],
        "contact_person_id": [ext_of(r) or None for r in rows],
        "origin": "created", "since": None,
        "our_deactivated": [r["deactivated"] if r.get("_ours_deactivated") and r["deactivated"] else -1 for r in rows],
    }, columns=OWNED_COLUMNS))


def owned_ids_of(receivers: list[dict]) -> set[str]:
    return {r["id"] for r in receivers if r.get("_owned")}


def plan_of(members: list[dict], receivers: list[dict]):
    valid, rejected = prepare_desired(members_frame(members))
    return diff(valid, actual_frame(receivers), record_of(receivers, owned_ids_of(receivers))), valid, rejected


def ours_deactivated(receiver: dict) -> bool:
    return bool(receiver.get("_owned") and receiver.get("_ours_deactivated") and receiver["deactivated"]
                and not receiver["bounced"])


def expected_live_owned(valid: pd.DataFrame, receivers: list[dict]) -> dict[str, dict]:
    """The oracle, from the README's rules: e-mail key -> the member that must own a live receiver there."""
    by_key = {key(r["email"]): r for r in receivers}
    unsubscribed_persons = {ext_of(r) for r in receivers
                            if ext_of(r) and r["deactivated"] and not r["bounced"] and not ours_deactivated(r)}
    expected = {}
    for member in valid.to_dict("records"):
        receiver = by_key.get(member["email_key"])
        if receiver is not None:
            if receiver["bounced"] or (receiver["deactivated"] and not ours_deactivated(receiver)):
                continue  # consent: never written to or reactivated
            if receiver["deactivated"] and member["sync_state"] == "unsubscribed":
                continue  # the CRM says unsubscribed: our own deactivation is not undone either
        elif member["contact_person_id"] in unsubscribed_persons or member["sync_state"] == "unsubscribed":
            continue  # unsubscribed under a previous address, or recorded so in the CRM
        expected[member["email_key"]] = member
    return expected


# ---------------------------------------------------------------------- prepare_desired
@LIGHT_SETTINGS
@given(members_lists())
def test_prepare_desired_splits_validates_dedupes_and_cleans(rows):
    valid, rejected = prepare_desired(members_frame(rows))
    ids = [str(r["contact_person_id"]) for r in rows]  # keys are text, in the CRM's own order
    assert sorted(valid["contact_person_id"].tolist() + rejected["contact_person_id"].tolist()) == sorted(ids)

    by_id = {str(r["contact_person_id"]): r for r in sorted(rows, key=lambda r: r["contact_person_id"])}
    reference: dict[str, str | None] = {}
    for cid, row in by_id.items():
        raw = (row["email"] or "").strip()
        try:
            reference[cid] = validate_email(raw, check_deliverability=False).normalized if raw else None
        except EmailNotValidError:
            reference[cid] = None
    winners: dict[str, str] = {}
    for cid in by_id:  # the lowest key (by number, or by text) keeps a shared address
        if reference[cid] is not None:
            winners.setdefault(key(reference[cid]), cid)

    assert set(valid["contact_person_id"]) == set(winners.values())
    assert valid["email_key"].is_unique
    for member in valid.to_dict("records"):
        cid = member["contact_person_id"]
        assert member["email"] == reference[cid] and member["email_key"] == key(reference[cid])
        assert member["ext_id"] == str(cid)
        for attribute, column in ATTRIBUTE_COLUMNS.items():
            value = member[attribute]
            raw = by_id[cid][column]
            assert isinstance(value, str) and len(value) <= MAX_ATTRIBUTE_LENGTH
            assert not _CONTROL.search(value)
            assert value == _clean(raw)
    for member in rejected.to_dict("records"):
        cid, reason = member["contact_person_id"], member["reason"]
        raw = (by_id[cid]["email"] or "").strip()
        if not raw:
            assert reason == "missing e-mail"
        elif reference[cid] is None:
            assert reason.startswith("invalid e-mail")
        else:
            assert reason == f"duplicate e-mail on this list, also used by contact {winners[key(reference[cid])]}"
        assert member["email"] == raw  # the CRM's spelling, trimmed, for the audit log


local_parts = st.one_of(
    st.text(alphabet="aZ09.!#$%&'*+/=?^_`{|}~-", min_size=0, max_size=70),
    st.text(alphabet="abä\"\\ .()", min_size=1, max_size=8),
)
domains = st.one_of(
    st.lists(st.text(alphabet="abcXYZ019-_", min_size=0, max_size=12), min_size=1, max_size=4).map(".".join),
    st.sampled_from(["example.org", "EXAMPLE.ORG", "bücher.example", "xn--bcher-kva.example", "localhost", "a.b",
                     "example.test", "x" * 63 + ".de", "x" * 64 + ".de", ".".join(["y" * 60] * 4) + ".de",
                     "1.2.3.4", "[127.0.0.1]", "example.org.", "-a.de", "a-.de", "a.123"]),
)


@PROPERTY_SETTINGS
@given(st.lists(st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains), max_size=8))
def test_fast_email_path_gives_the_library_verdict(addresses):
    normalized, reasons = validate_emails(pd.Series(addresses, dtype="object"))
    for address, norm, reason in zip(addresses, normalized.astype(object).where(normalized.notna(), None), reasons):
        try:
            expected = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            expected = None
        assert norm == expected, address
        assert (reason is None) == (expected is not None), address


# ---------------------------------------------------------------------- receivers_frame
@LIGHT_SETTINGS
@given(worlds(), st.integers(1, 5))
def test_receivers_frame_does_not_depend_on_paging(world, page_size):
    _, receivers = world
    one = actual_frame(receivers)
    paged = actual_frame(receivers, page_size)
    assert list(one.columns) == ACTUAL_COLUMNS
    pd.testing.assert_frame_equal(one, paged)
    assert one["ext_id"].tolist() == [ext_of(r) for r in receivers]
    assert one["email_key"].tolist() == [key(r["email"]) for r in receivers]


# ---------------------------------------------------------------------- the diff and its payloads
# One world per example is checked for all five properties: the diff costs tens of milliseconds, so each
# world is planned once, once more after applying, and once shuffled.
class Payloads:
    """A plan's API bodies, built once: inserts for adds, upserts for updates, ids to activate and remove."""

    def __init__(self, plan, ext_attribute: str = EXT) -> None:
        self.adds = sent(plan.add_payloads(ext_attribute, 1700000999))
        self.updates = sent(plan.update_payloads(ext_attribute))
        self.adopt = plan.updates["adopt"].tolist() if len(plan.updates) else []
        self.update_ids = plan.updates["receiver_id"].tolist() if len(plan.updates) else []
        self.reactivate = plan.reactivations["receiver_id"].tolist()
        self.removes = plan.remove_ids()
        self.adoptions = plan.adoptions["receiver_id"].tolist()


def sent(payloads) -> list[dict]:
    """The bodies as the hook sends them (``hooks.bodies``: joined by Arrow where the columns are text), read
    back: they say what the payloads' dicts say."""
    if not len(payloads):
        return []
    with BatchBodies(payloads) as bodies:
        emails, body = bodies.build(0, len(payloads))
    items = json.loads(body)
    assert payloads.encoded(0, len(payloads)) is not None  # a plan's columns are text: Arrow joined them
    assert items == list(payloads) and emails == [item["email"] for item in items]
    return items


def _set_attributes(rec: dict, values: dict) -> None:
    attrs = rec["global_attributes"] = dict(rec.get("global_attributes") or {})
    for name, value in values.items():
        if value == "":  # CleverReach drops empty values
            attrs.pop(name, None)
        else:
            attrs[name] = value


def apply_plan(receivers: list[dict], payloads: Payloads, owned: set[str]) -> tuple[list[dict], set[str]]:
    """The group and the record after the service's calls: inserts, upserts, activations, removals by id."""
    state = {key(r["email"]): copy.deepcopy(r) for r in receivers}
    owned = set(owned) | set(payloads.adoptions)
    for n, body in enumerate(payloads.adds):
        assert key(body["email"]) not in state, "an insert for an address the group holds"
        rec = state[key(body["email"])] = {"id": f"new-{n}", "email": body["email"].strip(), "bounced": 0,
                                            "activated": body["activated"], "deactivated": 0, "global_attributes": {}}
        _set_attributes(rec, body["global_attributes"])
        owned.add(rec["id"])
    for body, rid, adopt in zip(payloads.updates, payloads.update_ids, payloads.adopt):
        rec = state[key(body["email"])]
        assert rec["id"] == rid and (adopt or rid in owned), "an update of a receiver the sync does not own"
        _set_attributes(rec, body["global_attributes"])
        owned.add(rid)
    by_id = {r["id"]: r for r in state.values()}
    for rid in payloads.reactivate:
        assert rid in owned and by_id[rid].get("_ours_deactivated"), "a reactivation of someone else's opt-out"
        by_id[rid]["deactivated"] = 0
        by_id[rid]["_ours_deactivated"] = False
    for rid in payloads.removes:
        assert rid in owned, "a removal of a receiver the sync does not own"
        state.pop(key(by_id[rid]["email"]))
        owned.discard(rid)
    return list(state.values()), owned


def check_applied_state(receivers, plan, payloads: Payloads, valid) -> tuple[list[dict], set[str]]:
    """(a) after applying: every valid, non-held-back member has exactly one live receiver the sync owns,
    with its e-mail key, ext_id and attributes; the sync owns no other live receiver."""
    after, owned = apply_plan(receivers, payloads, owned_ids_of(receivers))
    expected = expected_live_owned(valid, receivers)
    live_owned = [r for r in after if r["id"] in owned and not inactive(r)]
    assert sorted(key(r["email"]) for r in live_owned) == sorted(expected), "(a) live owned receivers"
    for receiver in live_owned:
        member = expected[key(receiver["email"])]
        attrs = receiver["global_attributes"] or {}
        assert ext_of(receiver) == str(member["contact_person_id"]), "(a) ext_id"
        for name in ATTRIBUTES:
            assert (attrs.get(name) or "") == member[name], f"(a) attribute {name}"
    parts = [plan.adds["contact_person_id"], plan.updates["contact_person_id"], pd.Series(plan.unchanged_ids),
             plan.unconfirmed["contact_person_id"], plan.unsubscribed["contact_person_id"],
             plan.bounced["contact_person_id"], plan.reactivations["contact_person_id"], plan.refused["contact_person_id"]]
    accounted = [c for part in parts for c in part.tolist()]
    assert all(type(c) is str for c in accounted), "(a) contact keys are text"
    reactivated_and_updated = set(plan.updates["contact_person_id"]) & set(plan.reactivations["contact_person_id"])
    assert sorted(accounted) == sorted(valid["contact_person_id"].tolist() + list(reactivated_and_updated)), "(a) members"
    return after, owned


def check_never_touches_what_is_not_ours(receivers, payloads: Payloads, valid) -> None:
    """(b) a receiver the sync does not own is never removed or reactivated, and changed only when a member
    has exactly its address while it is active or pending (adoption, with that member's ext_id)."""
    unowned = {r["id"]: r for r in receivers if not r.get("_owned")}
    member_keys = dict(zip(valid["email_key"], valid["contact_person_id"]))
    assert not unowned.keys() & set(payloads.removes), "(b) unowned receiver removed"
    assert not unowned.keys() & set(payloads.reactivate), "(b) unowned receiver reactivated"
    for body, rid in zip(payloads.updates, payloads.update_ids):
        if rid in unowned:
            rec = unowned[rid]
            assert key(rec["email"]) in member_keys and not inactive(rec), "(b) unowned receiver changed"
            assert body["global_attributes"][EXT] == str(member_keys[key(rec["email"])]), "(b) adopted, wrong ext_id"
    for rid in payloads.adoptions:
        assert not inactive(unowned[rid]) and key(unowned[rid]["email"]) in member_keys, "(b) adopted without a member"
    stored = {r["email"] for r in receivers}
    assert {p["email"] for p in payloads.updates} <= stored, "(b) update addressed by another spelling"


def check_consent_untouched(receivers, payloads: Payloads, ext_attribute: str) -> None:
    """(c) no bounced receiver, nor one deactivated by anyone but the sync, in any write; existing receivers
    never get activation fields, new ones always carry ``activated``."""
    locked = {r["id"] for r in receivers if inactive(r) and not ours_deactivated(r)}
    assert not locked & set(payloads.update_ids), "(c) opted-out receiver updated"
    assert not locked & set(payloads.removes), "(c) opted-out receiver removed"
    assert not locked & set(payloads.reactivate), "(c) opted-out receiver reactivated"
    upsert_keys = [key(p["email"]) for p in payloads.adds + payloads.updates]
    assert len(upsert_keys) == len(set(upsert_keys)), "(c) one address twice in one run's writes"
    for body in payloads.updates:
        assert set(body) == {"email", "global_attributes"}, "(c) an update carries more than attributes"
    for body in payloads.adds:
        assert set(body) == {"email", "global_attributes", "source", "activated"}, "(c) insert body"
    for body in payloads.adds + payloads.updates:
        assert set(body["global_attributes"]) == {*ATTRIBUTES, ext_attribute}
        assert all(isinstance(v, str) for v in body["global_attributes"].values())
        assert body["global_attributes"][ext_attribute].strip() != ""
        for forbidden in ("activated", "deactivated", "bounced", "active"):
            assert forbidden not in body["global_attributes"], f"(c) payload sets {forbidden}"


def summary(plan, payloads: Payloads) -> dict[str, set]:
    return {
        "adds": {(key(p["email"]), tuple(sorted(p["global_attributes"].items()))) for p in payloads.adds},
        "updates": {(key(p["email"]), tuple(sorted(p["global_attributes"].items()))) for p in payloads.updates},
        "removes": set(payloads.removes),
        "reactivate": set(payloads.reactivate),
        "unsubscribed": set(plan.unsubscribed["contact_person_id"]),
        "bounced": set(plan.bounced["contact_person_id"]),
        "unconfirmed": set(plan.unconfirmed["contact_person_id"]),
        "unchanged": set(plan.unchanged_ids),
        "owned": {plan.owned_count},
    }


@PROPERTY_SETTINGS
@given(worlds(), st.randoms(use_true_random=False), st.sampled_from(["ext_id", "crm_contact"]))
def test_plan_properties(world, rnd: random.Random, ext_attribute):
    members, receivers = world
    plan, valid, rejected = plan_of(members, receivers)
    payloads = Payloads(plan)

    after, owned = check_applied_state(receivers, plan, payloads, valid)  # (a)
    check_never_touches_what_is_not_ours(receivers, payloads, valid)  # (b)
    check_consent_untouched(receivers, payloads if ext_attribute == EXT else Payloads(plan, ext_attribute),
                            ext_attribute)  # (c)

    # (d) idempotence: the plan of the state after applying, with the record as written, makes no write
    for receiver in after:
        receiver["_owned"] = receiver["id"] in owned
    again = diff(valid, actual_frame(after), record_of(after, owned))
    assert again.is_empty and again.adoptions.empty, ("(d)", again.adds, again.updates, again.removes)
    assert len(again.bounced) == len(plan.bounced), "(d)"

    # (e) row order does not matter: shuffle both frames
    shuffled_members, shuffled_receivers = members[:], receivers[:]
    rnd.shuffle(shuffled_members)
    rnd.shuffle(shuffled_receivers)
    plan2, _, rejected2 = plan_of(shuffled_members, shuffled_receivers)
    assert summary(plan, payloads) == summary(plan2, Payloads(plan2)), "(e) the plan depends on row order"
    assert dict(zip(rejected["contact_person_id"], rejected["reason"])) == dict(
        zip(rejected2["contact_person_id"], rejected2["reason"])
    ), "(e) the rejections depend on row order"
