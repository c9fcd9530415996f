"""Three CRM shapes for one test body: the demo CRM of the shipped adapter (``include/sql``), the German-shaped
CRM of ``tests/adapters/german_crm`` and the commercial-shaped CRM of ``tests/adapters/commercial_crm`` (UUID
contacts, numeric-looking organisation ids, bigint lists and group ids, naive local times).

A shape seeds its CRM the way that CRM stores things (tenants, companies, contact persons with their
e-mail addresses, key words, members) and reads back its own tables, with the test SQL of
``tests/helpers/shape_sql/<shape>/``. The read-backs do not go through the adapter under test and return
what the CRM stores (a German member state reads ``synchronisiert``, a history kind ``Mail versendet``), so
that a wrong mapping in the adapter shows; ``states`` and ``kinds`` say what a test must expect.

Keys are the CRM's: a test names its tenants and contacts by a short name ("acme", 1), and ``tenant_key`` and
``contact_key`` give what this CRM stores for them (the commercial CRM: "1001", a UUID), as the integration's
text (``cleverreach.crm.keys.as_key``); read-backs return keys as that text too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, TextClause, text

from cleverreach.crm.migrations import migrate
from cleverreach.clock import DEFAULT_TIME_ZONE, utcnow
from cleverreach.crm.keys import as_key
from cleverreach.enums import HistoryKind, MemberState

REPO = Path(__file__).resolve().parents[2]
SHAPE_SQL = Path(__file__).resolve().parent / "shape_sql"


@dataclass(frozen=True)
class Address:
    """A company ("Adresse") with the values the members dialog filters on."""

    id: int
    tenant_id: str
    name: str
    matchcode: str | None = None
    city: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    sales_processes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contact:
    """A contact person, ``id`` and ``tenant_id`` being the CRM's keys as text (``CrmShape.contact_key``).
    ``email`` is the address the integration must sync (the primary one; None: the person has none);
    ``other_emails`` are further addresses, which a CRM that can hold them must not sync."""

    id: str
    tenant_id: str
    address_id: int | None = None
    salutation: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    function: str | None = None
    email: str | None = None
    other_emails: tuple[str, ...] = field(default=())


class CrmShape(ABC):
    """One CRM schema: its adapter folder and its test SQL."""

    name: str
    adapter_dir: Path
    states: Mapping[MemberState, str]  # the integration's member state -> what the CRM stores
    kinds: Mapping[HistoryKind, str]  # the integration's history kind -> what the CRM stores
    source: str  # how the CRM's history names the rows the integration wrote

    def __repr__(self) -> str:
        return self.name

    # ------------------------------------------------------------------ keys and times as the CRM stores them
    def tenant_key(self, name: str) -> str:
        """The CRM's id of the test's tenant ``name``."""
        return name

    def contact_key(self, number: int | str) -> str:
        """The CRM's key (as the integration's text) of the test's contact ``number``."""
        return str(number)

    def stored_time(self, tenant_id: str, moment: datetime) -> datetime:
        """What the CRM stores for the aware ``moment`` (naive): UTC, unless the CRM keeps local times."""
        return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    # ------------------------------------------------------------------ SQL of the shape
    def _sql(self, name: str) -> TextClause:
        return text((SHAPE_SQL / self.name / f"{name}.sql").read_text(encoding="utf-8"))

    def _rows(self, engine: Engine, name: str, **params: Any) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(self._sql(name), params)]

    # ------------------------------------------------------------------ the integration's private state
    def prepare_private_state(self, engine: Engine) -> None:
        """Apply the integration's migrations, as the DAGs do, so that a test can seed before the first run."""
        migrate(engine)

    # ------------------------------------------------------------------ seeding
    def add_tenants(self, engine: Engine, *tenants: dict[str, Any]) -> None:
        """Tenants as dicts: id, name, optional cleverreach_conn_id and active."""
        with engine.begin() as conn:
            for tenant in tenants:
                conn.execute(self._sql("tenant_insert"),
                             {"cleverreach_conn_id": None, "active": True, "now": utcnow(), **tenant})

    def add_addresses(self, engine: Engine, addresses: Iterable[Address]) -> None:
        with engine.begin() as conn:
            for address in addresses:
                self._add_address(conn, address)

    def _add_address(self, conn: Connection, address: Address) -> None:
        conn.execute(self._sql("address_insert"), _address_params(address))
        for tag in address.tags:
            conn.execute(self._sql("address_tag_insert"),
                         {"address_id": address.id, "tenant_id": address.tenant_id, "tag": tag})
        for process in address.sales_processes:
            conn.execute(self._sql("address_sales_process_insert"),
                         {"address_id": address.id, "sales_process": process, "now": utcnow()})

    @abstractmethod
    def add_contacts(self, engine: Engine, contacts: Iterable[Contact]) -> None:
        """Contact persons with their e-mail addresses, as the shape stores them."""

    def rename_contact(self, engine: Engine, contact_id: str, last_name: str, at: datetime | None = None) -> None:
        """A change of synced data, stamped as the CRM stamps it (now, or ``at``)."""
        with engine.begin() as conn:
            conn.execute(self._sql("contact_rename"), {"id": contact_id, "last_name": last_name, "now": at or utcnow()})

    def flag_no_marketing(self, engine: Engine, contact_id: str) -> None:
        with engine.begin() as conn:
            conn.execute(self._sql("contact_flag_no_marketing"), {"id": contact_id, "now": utcnow()})

    def add_members(self, engine: Engine, list_id: Any, contact_ids: Iterable[str],
                    state: MemberState = MemberState.PENDING) -> None:
        """Put contact persons on a list in ``state``, as the CRM's own screens would."""
        with engine.begin() as conn:
            conn.execute(self._sql("member_insert"), [
                {"list_id": list_id, "contact_id": cid, "now": utcnow(), "state": self.states[state]}
                for cid in contact_ids])

    # ------------------------------------------------------------------ reading back
    def lists(self, engine: Engine, tenant_id: str) -> dict[str | None, dict[str, Any]]:
        """The tenant's lists by CleverReach group id (text): id, name, remote_member_count, remote_deleted_at."""
        return {as_key(row["external_id"]): row for row in self._rows(engine, "lists_select", tenant_id=tenant_id)}

    def members(self, engine: Engine, list_id: Any) -> dict[str, dict[str, Any]]:
        """A list's members by contact key: state (as the CRM stores it), error, added_by, synced_at (as stored)."""
        return {as_key(row["contact_id"]): row for row in self._rows(engine, "members_select", list_id=list_id)}

    def history(self, engine: Engine, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's history rows: contact_id (key), kind (as the CRM stores it), subject, source, external_key."""
        return [{**row, "contact_id": as_key(row["contact_id"])}
                for row in self._rows(engine, "history_select", tenant_id=tenant_id)]

    def add_own_list(self, engine: Engine, tenant_id: str, name: str) -> bool:
        """A list of the CRM's own (no CleverReach group), which the integration must not see; False when the CRM
        has no such lists."""
        return False


class DemoCrm(CrmShape):
    """The demo CRM of the shipped adapter: one e-mail column on the person, English states and kinds."""

    name = "demo"
    adapter_dir = REPO / "include" / "sql"
    states = {state: state.value for state in MemberState}
    kinds = {kind: kind.value for kind in HistoryKind}
    source = "cleverreach"

    def add_contacts(self, engine: Engine, contacts: Iterable[Contact]) -> None:
        with engine.begin() as conn:
            for contact in contacts:
                conn.execute(self._sql("contact_insert"), _contact_params(contact))


class GermanCrm(CrmShape):
    """The German-shaped CRM: lookup tables for categories and key words, e-mail addresses in their own
    table with a primary flag, German member states and activity kinds."""

    name = "german"
    adapter_dir = REPO / "tests" / "adapters" / "german_crm"
    states = {
        MemberState.PENDING: "offen", MemberState.SYNCED: "synchronisiert", MemberState.UNCONFIRMED: "unbestätigt",
        MemberState.REJECTED: "abgelehnt", MemberState.UNSUBSCRIBED: "abgemeldet", MemberState.BOUNCED: "unzustellbar",
    }
    kinds = {
        HistoryKind.MAIL_SENT: "Mail versendet", HistoryKind.MAIL_OPENED: "Mail geöffnet",
        HistoryKind.MAIL_CLICKED: "Link geklickt", HistoryKind.MAIL_BOUNCED: "Mail unzustellbar",
        HistoryKind.UNSUBSCRIBED: "Newsletter abgemeldet",
    }
    source = "CleverReach"

    def _add_address(self, conn: Connection, address: Address) -> None:
        if address.category is not None:
            conn.execute(self._sql("category_insert"), {"tenant_id": address.tenant_id, "category": address.category})
        for tag in address.tags:
            conn.execute(self._sql("tag_insert"), {"tenant_id": address.tenant_id, "tag": tag})
        super()._add_address(conn, address)

    def add_contacts(self, engine: Engine, contacts: Iterable[Contact]) -> None:
        """The person, then its primary address (if any) and its further ones."""
        with engine.begin() as conn:
            for contact in contacts:
                conn.execute(self._sql("contact_insert"), {**_contact_params(contact), "now": utcnow()})
                addresses = [(contact.email, True, "geschäftlich")] if contact.email is not None else []
                addresses += [(email, False, "privat") for email in contact.other_emails]
                for email, primary, kind in addresses:
                    conn.execute(self._sql("contact_email_insert"), {"contact_id": contact.id, "email": email,
                                                                    "primary": primary, "kind": kind, "now": utcnow()})

    def add_own_list(self, engine: Engine, tenant_id: str, name: str) -> bool:
        """A distribution list for letters (no CleverReach group)."""
        with engine.begin() as conn:
            conn.execute(self._sql("letter_list_insert"), {"tenant_id": tenant_id, "name": name, "now": utcnow()})
        return True


class CommercialCrm(CrmShape):
    """A CRM shaped like a common commercial one: organisations with numeric-looking text ids, contacts keyed by
    UUID with a primary and a secondary e-mail column, accounts and marketing lists keyed by bigint, its own
    status words and activity types, and every time stored naive in the organisation's local time."""

    name = "commercial"
    adapter_dir = REPO / "tests" / "adapters" / "commercial_crm"
    states = {
        MemberState.PENDING: "queued", MemberState.SYNCED: "in_sync", MemberState.UNCONFIRMED: "awaiting_opt_in",
        MemberState.REJECTED: "refused", MemberState.UNSUBSCRIBED: "opted_out", MemberState.BOUNCED: "undeliverable",
    }
    kinds = {
        HistoryKind.MAIL_SENT: "Email Sent", HistoryKind.MAIL_OPENED: "Email Opened",
        HistoryKind.MAIL_CLICKED: "Email Link Clicked", HistoryKind.MAIL_BOUNCED: "Email Bounced",
        HistoryKind.UNSUBSCRIBED: "Opt-Out",
    }
    source = "CleverReach Connector"
    tenants = {"acme": "1001", "beta": "0042", "gamma": "0077"}
    zones = {"1001": "Europe/Berlin", "0042": "America/New_York"}

    def tenant_key(self, name: str) -> str:
        return self.tenants.get(name, name)

    def contact_key(self, number: int | str) -> str:
        return str(uuid5(NAMESPACE_URL, f"https://crm.example/contacts/{number}"))

    def zone(self, tenant_id: str) -> ZoneInfo:
        return ZoneInfo(self.zones.get(tenant_id, DEFAULT_TIME_ZONE))

    def stored_time(self, tenant_id: str, moment: datetime) -> datetime:
        return moment.astimezone(self.zone(tenant_id)).replace(tzinfo=None)

    def _local_now(self, conn: Connection, name: str, at: datetime | None = None, **key: Any) -> datetime:
        """Now (or ``at``) in the local time of the organisation the contact or list belongs to."""
        zone = conn.execute(self._sql(name), key).scalar_one()
        return (at or utcnow()).astimezone(ZoneInfo(zone)).replace(tzinfo=None)

    def add_tenants(self, engine: Engine, *tenants: dict[str, Any]) -> None:
        """Organisations with their zone and, for the CRM's SQLite edition, the zone's offset now."""
        with engine.begin() as conn:
            for tenant in tenants:
                zone, now = self.zone(tenant["id"]), utcnow()
                offset = now.astimezone(zone).utcoffset()
                assert offset is not None
                conn.execute(self._sql("tenant_insert"), {
                    "cleverreach_conn_id": None, "active": True, **tenant, "time_zone": zone.key,
                    "utc_offset_minutes": int(offset.total_seconds() // 60), "now_local": self.stored_time(tenant["id"], now)})

    def add_contacts(self, engine: Engine, contacts: Iterable[Contact]) -> None:
        """The contact with its primary address and at most one secondary (the CRM has two columns)."""
        with engine.begin() as conn:
            for contact in contacts:
                if len(contact.other_emails) > 1:
                    raise ValueError("the commercial CRM holds one secondary e-mail per contact")
                conn.execute(self._sql("contact_insert"), {
                    **_contact_params(contact), "email2": next(iter(contact.other_emails), None),
                    "now_local": self.stored_time(contact.tenant_id, utcnow())})

    def rename_contact(self, engine: Engine, contact_id: str, last_name: str, at: datetime | None = None) -> None:
        with engine.begin() as conn:
            conn.execute(self._sql("contact_rename"), {
                "id": contact_id, "last_name": last_name, "now_local": self._local_now(conn, "contact_zone", at, id=contact_id)})

    def flag_no_marketing(self, engine: Engine, contact_id: str) -> None:
        with engine.begin() as conn:
            conn.execute(self._sql("contact_flag_no_marketing"),
                         {"id": contact_id, "now_local": self._local_now(conn, "contact_zone", id=contact_id)})

    def add_members(self, engine: Engine, list_id: Any, contact_ids: Iterable[str],
                    state: MemberState = MemberState.PENDING) -> None:
        with engine.begin() as conn:
            now_local = self._local_now(conn, "list_zone", list_id=list_id)
            conn.execute(self._sql("member_insert"), [
                {"list_id": list_id, "contact_id": cid, "now_local": now_local, "state": self.states[state]}
                for cid in contact_ids])

    def add_own_list(self, engine: Engine, tenant_id: str, name: str) -> bool:
        """A marketing list of the CRM's own campaigns (no CleverReach group id)."""
        with engine.begin() as conn:
            conn.execute(self._sql("campaign_list_insert"), {
                "tenant_id": tenant_id, "name": name, "now_local": self.stored_time(tenant_id, utcnow())})
        return True


SHAPES: tuple[CrmShape, ...] = (DemoCrm(), GermanCrm(), CommercialCrm())


def _address_params(address: Address) -> dict[str, Any]:
    return {"id": address.id, "tenant_id": address.tenant_id, "name": address.name, "matchcode": address.matchcode,
            "city": address.city, "category": address.category}


def _contact_params(contact: Contact) -> dict[str, Any]:
    return {"id": contact.id, "tenant_id": contact.tenant_id, "address_id": contact.address_id,
            "salutation": contact.salutation, "first_name": contact.first_name, "last_name": contact.last_name,
            "function": contact.function, "email": contact.email}
