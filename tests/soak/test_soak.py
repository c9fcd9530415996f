"""Soak: rounds of random CRM edits, remote events and injected faults, each followed by the recipient
sync and the mail history through Airflow, with the sync's invariants checked on the real state after
every round.

Each round, with a fixed seed:

* CRM edits by SQL: new contacts, members added and removed, e-mails changed (new, case and blank
  variants, umlaut domains, invalid, missing, another member's, one CleverReach refuses, a new address
  for someone who unsubscribed or bounced), names changed (umlauts, control characters, long), a
  contact deleted every fourth round (member rows and history first);
* remote events through the emulator's control API: unsubscribes, bounces, form sign-ups (new
  visitors, a member's address before the sync adopts it, a re-subscription after an unsubscribe);
* faults on the API calls of both DAGs: 5xx and 429 on 8–18 % of them, sometimes a lost response
  (applied, then 502), a 401 in the middle of a run, or the account's tokens revoked while it runs;
* ``cleverreach_sync_recipients``; then, every other round, a mailing with opens, clicks, a bounce and
  an unsubscribe in its report; then ``cleverreach_sync_mail_history``; both through ``dag.test()``.

After every round (faults off), from the emulator's state and the CRM:

* the sync: the active receivers carrying an ext_id are exactly the desired members (an oracle
  applying the README's rules to the state before the sync) with their ext_id and attributes, one
  per contact; receivers without ext_id (form sign-ups, tracked by id) were not changed or removed
  unless a member had exactly their address (adoption); deactivated or bounced receivers were not
  written to, reactivated or removed;
* the members' sync_state tells the truth about the group as it is after the history run:
  ``synced`` ⇔ an active receiver with the member's address and ext_id; ``unsubscribed``/``bounced`` ⇒
  CleverReach holds that (or the CRM recorded it before) and the address is not being mailed;
  ``rejected`` ⇒ missing, invalid or duplicate e-mail, or refused by CleverReach; never ``pending``;
* ``contact_history`` holds exactly one row per (mailing, contact, kind[, link]) of the reports that
  maps to a contact of the tenant (expected from the emulator's mailings), none lost, none twice; at
  the end a rerun of the history adds nothing.

Violations are collected and reported together at the end, grouped (a failed DAG run stops at once).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email
from helpers.crm_seed import add_addresses, add_contacts, add_tenants, fetch
from scripts.airflow_runner import run_dag
from sqlalchemy import text

from cleverreach.crm.migrations import migrate
from cleverreach.enums import HistoryKind
from cleverreach.history.events import history_key
from cleverreach_emulator.state import is_valid_email as cleverreach_accepts
from helpers.connections import set_cleverreach_connection

pytestmark = [pytest.mark.soak, pytest.mark.usefixtures("airflow_db")]



SEED = 20261127
ROUNDS = 20  # about a minute per CRM backend on a 2-core machine
TENANT, CLIENT, SECRET = "acme", "soak-client", "soak-secret-42"
GROUP = "7001"
# Fast backoff; 10 attempts make a call that fails every time at 18 % faults improbable (4e-8), so a
# failed run means a real problem, not bad luck.
EXTRAS = {"retry_initial_wait": 0.01, "retry_max_wait": 0.5, "retry_attempts": 10}
ATTRIBUTES = {"salutation": "salutation", "firstname": "first_name", "lastname": "last_name",
              "function": "function", "company": "company"}
REMOVAL_BUDGET = 6  # removal-causing edits per round: below the mass-removal guard (10)
ADDRESSES = {1: "Apotheke am Markt", 2: "Ärztehaus Süd", 3: "Bäckerei Groß & Söhne", 4: "Zeta GmbH",
             5: "Café „Ümlaut“"}
NAMES = ["Anna", "Jürgen", "Zoë", "Øle", "Groß", "Müller-Lüdenscheidt", "O'Brien", "Ärztin\x00", "Line\nBreak",
         "  Spaces  ", "x" * 300, "\t", "", None, "Ṩ̂", "李", "Straße\r\n1"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean(value: Any) -> str:
    """What CleverReach should hold for a CRM value (the README: no control characters, trimmed, 250)."""
    return _CONTROL.sub(" ", "" if value is None else str(value)).strip()[:250]


def normalized(email: str | None) -> str | None:
    raw = (email or "").strip()
    if not raw:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def ext_of(receiver: dict) -> str:
    return str((receiver.get("global_attributes") or {}).get("ext_id") or "").strip()


def rkey(receiver: dict) -> str:
    return receiver["email"].strip().lower()


def inactive(receiver: dict) -> bool:
    return bool(receiver["deactivated"]) or bool(receiver["bounced"])


@dataclass
class Soak:
    engine: Any
    emulator: Any
    rng: random.Random
    list_id: int = 1
    next_contact: int = 1000
    signups: dict[str, str] = field(default_factory=dict)  # receiver id -> e-mail of the visitors we signed up
    history_model: dict[str, int] = field(default_factory=dict)  # external key -> contact id
    violations: list[str] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    round: int = 0

    # ------------------------------------------------------------------ reading both sides
    def contacts(self) -> dict[int, dict]:
        return {r["id"]: r for r in fetch(self.engine, "SELECT * FROM contact_person WHERE tenant_id = :t", t=TENANT)}

    def members(self) -> dict[int, dict]:
        rows = fetch(self.engine,
                     "SELECT m.contact_person_id, m.sync_state, m.sync_error, c.email, c.salutation, c.first_name, "
                     "c.last_name, c.function, a.name AS company FROM recipient_list_member m "
                     "JOIN contact_person c ON c.id = m.contact_person_id LEFT JOIN address a ON a.id = c.address_id "
                     "WHERE m.list_id = :l", l=self.list_id)
        return {r["contact_person_id"]: r for r in rows}

    def receivers(self) -> list[dict]:
        return self.emulator.client.group_receivers(GROUP)

    def name(self) -> str | None:
        value = self.rng.choice(NAMES)
        if value and self.engine.dialect.name == "postgresql":  # PostgreSQL text cannot hold NUL
            value = value.replace("\x00", "")
        return value

    def fail(self, message: str) -> None:
        self.violations.append(f"round {self.round}: {message}")

    # ------------------------------------------------------------------ random e-mails
    def fresh_email(self, contacts: dict[int, dict]) -> str | None:
        n, roll = self.next_contact + self.rng.randint(0, 10**6), self.rng.random()
        if roll < 0.45:
            return f"p{n}@example.org"
        if roll < 0.55:
            return f"P{n}.Groß@Example.ORG"
        if roll < 0.65:
            return f"  m{n}@müller.example "
        if roll < 0.72:
            return self.rng.choice([f"broken{n}@", f"no at {n}.example.org", f"a{n}@b", f"x{n}@example..org"])
        if roll < 0.78:
            return self.rng.choice([None, "", "   "])
        if roll < 0.95 and contacts:  # another contact's address, in another spelling
            other = (contacts[self.rng.choice(sorted(contacts))]["email"] or "").strip()
            return self.rng.choice([other, other.upper(), f" {other.lower()}"]) if other else None
        return f"x{n}@example.c"  # valid for email-validator, refused by CleverReach (one-letter TLD)

    # ------------------------------------------------------------------ one round
    def sql(self, statement: str, params: Any = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(statement), params or {})

    def crm_edits(self) -> None:
        rng, contacts, members = self.rng, self.contacts(), self.members()
        budget = REMOVAL_BUDGET
        for _ in range(rng.randint(0, 4)):
            self.next_contact += 1
            self.sql("INSERT INTO contact_person (id, tenant_id, address_id, salutation, first_name, last_name, email) "
                     "VALUES (:id, :t, :a, :s, :f, :l, :e)",
                     {"id": self.next_contact, "t": TENANT, "a": rng.choice([*ADDRESSES, None]),
                      "s": rng.choice(["Herr", "Frau", None]), "f": self.name(), "l": self.name(),
                      "e": self.fresh_email(contacts)})
            self.stats["contacts created"] += 1
        contacts = self.contacts()
        outside = sorted(set(contacts) - set(members))
        for cid in rng.sample(outside, min(len(outside), rng.randint(0, 6))):
            self.sql("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                     "VALUES (:l, :c, CURRENT_TIMESTAMP, 'pending')", {"l": self.list_id, "c": cid})
            self.stats["members added"] += 1
        for cid in rng.sample(sorted(members), min(len(members), rng.randint(0, 3))):
            self.sql("DELETE FROM recipient_list_member WHERE list_id = :l AND contact_person_id = :c",
                     {"l": self.list_id, "c": cid})
            self.stats["members removed"] += 1
            budget -= 1
        changed = rng.sample(sorted(contacts), min(len(contacts), rng.randint(0, 3)))
        opted_out = sorted(c for c, m in members.items() if m["sync_state"] in ("unsubscribed", "bounced") and c in contacts)
        if opted_out and rng.random() < 0.5:  # a new address for someone who unsubscribed or bounced
            changed.insert(0, rng.choice(opted_out))
            self.stats["new address after opt-out"] += 1
        for cid in changed:
            if budget <= 1:
                break
            self.sql("UPDATE contact_person SET email = :e WHERE id = :c", {"e": self.fresh_email(contacts), "c": cid})
            self.stats["e-mails changed"] += 1
            budget -= 1
        for cid in rng.sample(sorted(contacts), min(len(contacts), rng.randint(0, 6))):
            column = rng.choice(["first_name", "last_name", "salutation", "function"])
            self.sql(f"UPDATE contact_person SET {column} = :v WHERE id = :c", {"v": self.name(), "c": cid})
            self.stats["names changed"] += 1
        if self.round % 4 == 3 and budget > 0:  # a contact deleted: its member rows and history first
            cid = rng.choice(sorted(contacts))
            with self.engine.begin() as conn:
                for table in ("recipient_list_member", "contact_history"):
                    conn.execute(text(f"DELETE FROM {table} WHERE contact_person_id = :c"), {"c": cid})
                conn.execute(text("DELETE FROM contact_person WHERE id = :c"), {"c": cid})
            self.history_model = {k: v for k, v in self.history_model.items() if v != cid}
            self.stats["contacts deleted"] += 1

    def remote_events(self, added_members: list[int]) -> None:
        rng, client = self.rng, self.emulator.client
        receivers = self.receivers()
        active = [r for r in receivers if r["active"]]
        rng.shuffle(active)
        for r in active[: rng.choice([0, 1, 2, 3])]:
            client.unsubscribe(CLIENT, r["email"], GROUP)
            self.stats["unsubscribes"] += 1
        for r in active[3 : 3 + rng.choice([0, 1, 1, 2])]:
            client.bounce(CLIENT, r["email"], GROUP)
            self.stats["bounces"] += 1
        for _ in range(rng.choice([0, 1, 2, 3])):
            roll = rng.random()
            resubscribe = [r for r in receivers if r["unsubscribed"] and not r["bounced"]]
            # Half of them people who unsubscribed through a mailing, so the unsubscribe is in a report.
            reported = self.reported_unsubscribes()
            if reported and rng.random() < 0.5:
                resubscribe = [r for r in resubscribe if rkey(r) in reported] or resubscribe
            members = self.members()
            adoptable = [members[c]["email"].strip() for c in added_members
                         if c in members and normalized(members[c]["email"]) and cleverreach_accepts(members[c]["email"])]
            if roll < 0.3 and resubscribe:  # the person subscribes again through a form
                client.signup(CLIENT, GROUP, rng.choice(resubscribe)["email"])
                self.stats["re-subscriptions"] += 1
            elif roll < 0.45 and adoptable:  # a member's address arrives through a form before the sync
                client.signup(CLIENT, GROUP, rng.choice(adoptable), global_attributes={"firstname": "Formular"})
                self.stats["sign-ups of members"] += 1
            else:
                email = f"visitor{len(self.signups)}.r{self.round}@web.example"
                created = client.signup(CLIENT, GROUP, email, global_attributes={"firstname": "Gast", "company": "Web"})
                self.signups[str(created["id"])] = email
                self.stats["visitor sign-ups"] += 1

    def reported_unsubscribes(self) -> set[str]:
        """Addresses whose unsubscribe is in a mailing's report (the emulator runs in this process)."""
        state = self.emulator.state
        with state.lock:
            return {rcp.receiver.key for m in state.accounts[CLIENT].mailings.values()
                    for rcp in m.recipients if rcp.unsubscribed and not rcp.receiver.deleted}

    def send_mailing(self) -> None:
        rng = self.rng
        recipients = [r["email"] for r in self.receivers() if r["active"]]
        if not recipients:
            return
        pick = lambda share: rng.sample(recipients, int(len(recipients) * share))  # noqa: E731
        opened = pick(0.3)
        self.emulator.client.send_mailing(
            CLIENT, [GROUP], name=f"Runde {self.round}", subject=f"Neues ({self.round})",
            links=[{"id": "1", "url": "https://shop.example/a"}, {"id": "2", "url": "https://shop.example/b"}],
            opens=opened,
            clicks=[{"email": e, "link_id": rng.choice(["1", "2"])} for e in opened[: len(opened) // 2]]
                   + [{"email": e, "link_id": "2"} for e in opened[:2]],
            bounces=rng.sample(recipients, 1), unsubscribes=rng.sample(recipients, 1),
        )
        self.stats["mailings"] += 1

    def inject_faults(self) -> threading.Timer | None:
        rng = self.rng
        config: dict[str, Any] = {"error_rate": rng.uniform(0.05, 0.10), "rate_limit_rate": rng.uniform(0.03, 0.08),
                                  "retry_after": 0, "seed": SEED + self.round}
        upcoming = []
        if rng.random() < 0.35:  # a lost response: CleverReach applied the write, the answer never came
            upcoming.append({"status": 502, "count": 1, "path_regex": r"/receivers/(upsert|delete)", "after": True})
            self.stats["lost responses"] += 1
        revoke = rng.random() < 0.25
        if not revoke and rng.random() < 0.4:  # the token is refused in the middle of a run
            upcoming.append({"status": 401, "count": 1, "path_regex": r"^/v3/", "skip": rng.randint(0, 8)})
            self.stats["401 in a run"] += 1
        if upcoming:
            config["next"] = upcoming
        self.emulator.client.set_faults(**config)
        self.stats["fault rounds"] += 1
        # The account's tokens are revoked while the sync runs. (Not in the same round as the injected 401:
        # the hook renews a refused token once per call, and two refusals of one call fail the task.)
        if revoke:
            timer = threading.Timer(rng.uniform(0.3, 2.5), self.emulator.state.revoke_tokens, args=(CLIENT,))
            timer.start()
            self.stats["token revocations"] += 1
            return timer
        return None

    # ------------------------------------------------------------------ the oracle
    def desired(self, members: dict[int, dict], receivers: list[dict]) -> dict[str, int]:
        """Address key -> contact id of the active owned receivers the sync must leave (README rules)."""
        valid: dict[str, int] = {}
        for cid in sorted(members):
            address = normalized(members[cid]["email"])
            if address:
                valid.setdefault(address.lower(), cid)
        by_key = {rkey(r): r for r in receivers}
        unsubscribed_persons = {ext_of(r) for r in receivers if ext_of(r) and r["deactivated"] and not r["bounced"]}
        expected = {}
        for key, cid in valid.items():
            receiver = by_key.get(key)
            if receiver is not None:
                if inactive(receiver):
                    continue
            elif str(cid) in unsubscribed_persons or members[cid]["sync_state"] == "unsubscribed":
                continue
            elif not cleverreach_accepts(normalized(members[cid]["email"])):
                continue  # refused by CleverReach: stays rejected
            expected[key] = cid
        return expected

    # ------------------------------------------------------------------ checks
    def check_sync(self, before_members: dict[int, dict], before: list[dict], after: list[dict]) -> None:
        """What the sync did to the group, from the state before it (``before``) to the state after (``after``)."""
        by_id = {r["id"]: r for r in after}

        # The active owned receivers are exactly the desired members, one per contact, with their data.
        active_owned = {rkey(r): r for r in after if r["active"] and ext_of(r)}
        expected = self.desired(before_members, before)
        got = {k: ext_of(r) for k, r in active_owned.items()}
        if got != {k: str(c) for k, c in expected.items()}:
            missing = {k: c for k, c in expected.items() if got.get(k) != str(c)}
            extra = {k: e for k, e in got.items() if k not in expected or str(expected[k]) != e}
            self.fail(f"active owned receivers differ from the desired members: missing {missing}, extra {extra}")
        owners = Counter(got.values())
        if any(n > 1 for n in owners.values()):
            self.fail(f"two active receivers for one contact: {[o for o, n in owners.items() if n > 1]}")
        for key, receiver in active_owned.items():
            member = before_members.get(expected.get(key, -1))
            if member is not None:
                for attribute, column in ATTRIBUTES.items():
                    have = (receiver["global_attributes"] or {}).get(attribute, "")
                    if have != clean(member[column]):
                        self.fail(f"{key!r}: {attribute} is {have!r} in CleverReach, the CRM says {clean(member[column])!r}")

        # Receivers we do not own are left alone unless adopted; inactive receivers are never written to.
        member_keys = {normalized(m["email"]).lower() for m in before_members.values() if normalized(m["email"])}
        for old in before:
            new = by_id.get(old["id"])
            unowned, locked = not ext_of(old), inactive(old)
            if not (unowned or locked):
                continue
            if new is None:
                self.fail(f"{'inactive' if locked else 'unowned'} receiver {old['email']!r} was removed")
                continue
            if locked and new["active"]:
                self.fail(f"inactive receiver {old['email']!r} was reactivated")
            adopted = unowned and not locked and rkey(old) in member_keys
            if not adopted and (new["global_attributes"], new["events"], new["last_changed"]) != (
                    old["global_attributes"], old["events"], old["last_changed"]):
                self.fail(f"receiver {old['email']!r} (ext_id {ext_of(old)!r}, active {old['active']}) was written to: "
                          f"{old['global_attributes']} -> {new['global_attributes']}")
        for rid, email in list(self.signups.items()):
            receiver = by_id.get(rid)
            if receiver is not None and ext_of(receiver):
                del self.signups[rid]  # adopted: from now on it is ours
            elif receiver is None:
                self.fail(f"form sign-up {email!r} disappeared")

    def check_states(self, recorded_before: dict[int, dict]) -> None:
        """The members' sync_state tells the truth about the group as it is now (after the mail history,
        which may have seen unsubscribes and bounces of a mailing sent after the sync)."""
        receivers, members = self.receivers(), self.members()
        by_key = {rkey(r): r for r in receivers}
        valid_winner: dict[str, int] = {}
        for cid in sorted(members):
            address = normalized(members[cid]["email"])
            if address:
                valid_winner.setdefault(address.lower(), cid)
        deactivated_ext = {ext_of(r) for r in receivers if ext_of(r) and r["deactivated"]}
        bounced_ext = {ext_of(r) for r in receivers if ext_of(r) and r["bounced"]}
        synced = set()
        for cid, m in members.items():
            state, address = m["sync_state"], normalized(m["email"])
            key = address.lower() if address else None
            receiver = by_key.get(key) if key else None
            mailed = receiver is not None and receiver["active"] and ext_of(receiver) == str(cid)
            recorded = recorded_before.get(cid, {}).get("sync_state")
            self.stats[f"state {state}"] += 1
            if state == "synced":
                synced.add((key, str(cid)))
                if not mailed:
                    self.fail(f"member {cid} is synced but no active receiver {key!r} carries ext_id {cid}")
            elif state == "unsubscribed":
                if mailed:
                    self.fail(f"member {cid} is unsubscribed in the CRM but its address {key!r} is active "
                              f"in the group with its ext_id ({m['sync_error']})")
                elif not ((receiver is not None and receiver["deactivated"]) or str(cid) in deactivated_ext
                          or recorded == "unsubscribed"):
                    self.fail(f"member {cid} is unsubscribed without a deactivated receiver or an earlier record "
                              f"({m['email']!r}: {m['sync_error']})")
            elif state == "bounced":
                if mailed:
                    self.fail(f"member {cid} is bounced in the CRM but its address {key!r} is active "
                              f"in the group with its ext_id ({m['sync_error']})")
                elif not ((receiver is not None and receiver["bounced"]) or str(cid) in bounced_ext
                          or recorded == "bounced"):
                    self.fail(f"member {cid} is bounced without a bounced receiver or an earlier record "
                              f"({m['email']!r}: {m['sync_error']})")
            elif state == "rejected":
                error = m["sync_error"] or ""
                self.stats["refused by CleverReach"] += error.startswith("refused by CleverReach")
                fine = (key is None or valid_winner.get(key) != cid
                        or (error.startswith("refused by CleverReach") and not cleverreach_accepts(address)))
                if not fine:
                    self.fail(f"member {cid} ({m['email']!r}) is rejected for no reason the rules allow: {error!r}")
            else:
                self.fail(f"member {cid} is {state!r} after a successful sync")
        for key, receiver in by_key.items():
            if receiver["active"] and ext_of(receiver) and (key, ext_of(receiver)) not in synced:
                cid = int(ext_of(receiver)) if ext_of(receiver).isdigit() else None
                self.fail(f"active receiver {key!r} with ext_id {ext_of(receiver)} but member {cid} is "
                          f"{members.get(cid, {}).get('sync_state', 'not on the list')!r}")

    def check_history(self) -> None:
        """contact_history == one row per report entry that maps to a contact (expected from the emulator)."""
        contacts = self.contacts()
        by_email: dict[str, int] = {}
        for cid in sorted(contacts):
            key = (contacts[cid]["email"] or "").strip().lower()
            if key:
                by_email.setdefault(key, cid)
        state = self.emulator.state
        expected: dict[str, int] = {}
        with state.lock:
            account = state.accounts[CLIENT]
            ext_attr = account.attr_by_name("ext_id")
            for mailing in account.mailings.values():
                if mailing.state != "finished" or GROUP not in mailing.group_ids:
                    continue
                for rcp in mailing.recipients:
                    rec = rcp.receiver
                    raw = str((rec.gattrs or {}).get(ext_attr.id, "")).strip()
                    cid = int(raw) if raw.isdigit() and int(raw) in contacts else by_email.get(rec.email.strip().lower())
                    if cid is None:
                        continue
                    kinds = [HistoryKind.MAIL_SENT] + [HistoryKind.MAIL_OPENED] * bool(rcp.opened)
                    kinds += [HistoryKind.MAIL_BOUNCED] * bool(rcp.bounced) + [HistoryKind.UNSUBSCRIBED] * bool(rcp.unsubscribed)
                    for kind in kinds:  # keyed on the contact: two receivers of one person are one row
                        expected[history_key(mailing.id, cid, kind)] = cid
                    for link in {lid for lid, _ in rcp.clicks or () if lid}:  # clicks are read per link
                        expected[history_key(mailing.id, cid, HistoryKind.MAIL_CLICKED, link)] = cid
        for key, cid in expected.items():
            self.history_model.setdefault(key, cid)  # a row, once written, keeps its contact
        rows = fetch(self.engine, "SELECT external_key, contact_person_id, kind, source FROM contact_history "
                                  "WHERE tenant_id = :t", t=TENANT)
        keys = Counter(r["external_key"] for r in rows)
        twice = [k for k, n in keys.items() if n > 1]
        if twice:
            self.fail(f"history rows twice: {twice[:5]}")
        stored = {r["external_key"]: r["contact_person_id"] for r in rows}
        if stored != self.history_model:
            lost = sorted(set(self.history_model) - set(stored))
            extra = sorted(set(stored) - set(self.history_model))
            moved = sorted(k for k in set(stored) & set(self.history_model) if stored[k] != self.history_model[k])
            self.fail(f"history differs from the reports: lost {lost[:5]} ({len(lost)}), unexpected {extra[:5]} "
                      f"({len(extra)}), other contact {moved[:5]}")
        self.stats["history rows"] = len(rows)


def report(violations: list[str]) -> str:
    """Violations grouped by what happened (a state that keeps flipping shows once, with its rounds)."""
    rounds: dict[str, list[str]] = {}
    for violation in violations:
        number, _, message = violation.partition(": ")
        rounds.setdefault(message, []).append(number.removeprefix("round "))
    lines = [f"{message}  [rounds {', '.join(numbers)}]" for message, numbers in rounds.items()]
    return f"{len(violations)} violations, {len(lines)} distinct:\n" + "\n".join(lines[:40])


@pytest.fixture
def soak(emulator, crm_engine, monkeypatch) -> Soak:
    emulator.client.reset({"accounts": [{
        "client_id": CLIENT, "client_secret": SECRET,
        "attributes": [{"name": "ext_id", "type": "text"}, {"name": "firstname", "type": "text"},
                       {"name": "company", "type": "text"}],
        "groups": [{"id": GROUP, "name": "Newsletter", "receivers": [
            {"email": "visitor.a@web.example", "global_attributes": {"firstname": "Gast"}},
            {"email": "visitor.b@web.example", "unsubscribed": True},
            {"email": "stale@example.org", "global_attributes": {"ext_id": "999"}},
            {"email": "p3@example.org", "global_attributes": {"ext_id": "3"}, "unsubscribed": True},
            {"email": "P7@Example.org"},  # contact 7's address from a manual import: adopted
        ]}],
    }]})
    migrate(crm_engine)
    add_tenants(crm_engine, {"id": TENANT, "name": "ACME"})
    add_addresses(crm_engine, [{"id": i, "tenant_id": TENANT, "name": name} for i, name in ADDRESSES.items()])
    soak = Soak(crm_engine, emulator, random.Random(SEED))
    contacts = []
    for cid in range(1, 121):
        email = f"p{cid}@example.org" if cid % 9 else f"  P{cid}@EXAMPLE.org "
        contacts.append({"id": cid, "tenant_id": TENANT, "address_id": soak.rng.choice([*ADDRESSES, None]),
                         "salutation": soak.rng.choice(["Herr", "Frau"]), "first_name": soak.name(),
                         "last_name": soak.name(), "email": email})
    add_contacts(crm_engine, contacts)
    with crm_engine.begin() as conn:
        conn.execute(text("INSERT INTO recipient_list (id, tenant_id, external_id, name, created_at) "
                          "VALUES (1, :t, :g, 'Newsletter', CURRENT_TIMESTAMP)"), {"t": TENANT, "g": GROUP})
        conn.execute(text("INSERT INTO recipient_list_member (list_id, contact_person_id, added_at, sync_state) "
                          "VALUES (1, :c, CURRENT_TIMESTAMP, 'pending')"), [{"c": c} for c in range(1, 81)])
    set_cleverreach_connection(monkeypatch, f"cleverreach_{TENANT}", emulator.url, CLIENT, SECRET, **EXTRAS)
    soak.signups = {r["id"]: r["email"] for r in emulator.client.group_receivers(GROUP) if "visitor" in r["email"]}
    return soak


def test_soak(soak: Soak, crm_engine):
    rounds = ROUNDS
    started = time.monotonic()
    for number in range(rounds):
        soak.round = number
        members_before_edits = set(soak.members())
        if number:  # round 0 is the first sync of the seeded state
            soak.crm_edits()
        added = sorted(set(soak.members()) - members_before_edits)
        soak.remote_events(added)
        before_members, before = soak.members(), soak.receivers()
        timer = soak.inject_faults()
        try:
            sync = run_dag("cleverreach_sync_recipients", {"tenant": TENANT})
            after_sync = soak.receivers()
            if number % 2 == 1:  # a mailing after the sync: its unsubscribes and bounces reach the CRM via the history
                soak.send_mailing()
            history = run_dag("cleverreach_sync_mail_history", {"tenant": TENANT})
        finally:
            if timer is not None:
                timer.cancel()
            soak.emulator.client.clear_faults()
        assert sync.state == "success", f"round {number}: the sync failed: {sync.task_states}\n{report(soak.violations)}"
        assert history.state == "success", f"round {number}: the history failed: {history.task_states}"
        soak.stats["receivers written"] += sum(r.get("added", 0) + r.get("updated", 0) + r.get("removed", 0)
                                               for r in sync.returns["sync_list"])
        soak.check_sync(before_members, before, after_sync)
        soak.check_states(before_members)
        soak.check_history()

    # Reruns are idempotent: the sync changes nothing (only the addresses CleverReach refuses are offered
    # again), the history adds nothing.
    soak.round = rounds
    again = run_dag("cleverreach_sync_recipients", {"tenant": TENANT})
    assert again.state == "success"
    (result,) = again.returns["sync_list"]
    assert (result["added"], result["updated"], result["removed"]) == (0, 0, 0), result
    again = run_dag("cleverreach_sync_mail_history", {"tenant": TENANT})
    assert again.state == "success"
    assert again.returns["load_history"][0]["rows_inserted"] == 0
    soak.check_history()
    print(f"soak: {rounds} rounds in {time.monotonic() - started:.0f} s; "  # noqa: T201 - the soak's summary
          f"{json.dumps(dict(sorted(soak.stats.items())), ensure_ascii=False)}")
    assert not soak.violations, report(soak.violations)
    # The soak did exercise what it claims to.
    for what in ("unsubscribes", "bounces", "visitor sign-ups", "sign-ups of members", "re-subscriptions", "mailings",
                 "e-mails changed", "new address after opt-out", "members removed", "contacts deleted",
                 "lost responses", "401 in a run", "token revocations", "refused by CleverReach"):
        assert soak.stats[what] > 0, what
