"""The manifest of the CRM adapter: every statement of ``include/sql/queries`` in one place.

A DBA who adapts the folder to another CRM reads here what each statement must do, which parameters it
receives and which columns (names and types) it must return. ``tests/cleverreach/crm_check`` fails when
a query file has no entry, an entry no file, or the parameters differ from the SQL; the DAG
``cleverreach_check_crm`` runs every entry against the live CRM; docs/crm-adapter.md's adapter table is
``python -m cleverreach.crm_check.manifest``.
"""

from __future__ import annotations

from datetime import datetime

from cleverreach.crm_check.contract import (
    Access,
    ColumnType,
    Extension,
    SampleRef,
    StagingTable,
    Statement,
    TableFamily,
    markdown_table,
)
from cleverreach.enums import HistoryKind, MemberState
from cleverreach.ui.keyset import BOUNDARY_FILTER, SORT_KEYS, STATE_FILTER, walks_person

R, W = Access.READ, Access.WRITE
CRM, ENTITY = TableFamily.CRM_DATA, TableFamily.CRM_ENTITIES
INT, TXT, BOOL, TS = ColumnType.INTEGER, ColumnType.TEXT, ColumnType.BOOLEAN, ColumnType.TIMESTAMP
CONTACT_KEY, LIST_KEY, ADDRESS_KEY, GROUP_ID, OWNER_KEY = (
    ColumnType.CONTACT_KEY, ColumnType.LIST_KEY, ColumnType.ADDRESS_KEY, ColumnType.GROUP_ID, ColumnType.OWNER_KEY)
TENANT, LIST, CONTACT, ADDRESS, GROUP = SampleRef.TENANT, SampleRef.LIST, SampleRef.CONTACT, SampleRef.ADDRESS, SampleRef.GROUP
NOW = datetime(2026, 1, 1, 12, 0)
ACTOR = "check:cleverreach_check_crm"
MEMBER_PAGE = {"contact_person_id": CONTACT_KEY, "salutation": TXT, "first_name": TXT, "last_name": TXT,
               "function": TXT, "email": TXT, "sync_state": TXT, "sync_error": TXT, "added_at": TS, "synced_at": TS,
               "changed_at": TS}
HISTORY_ROW = {"tenant_id": TENANT, "contact_person_id": CONTACT, "occurred_at": NOW, "kind": HistoryKind.MAIL_SENT,
               "subject": "check", "detail": "check", "source": "cleverreach", "external_key": "check/adapter"}
HISTORY_STAGING = StagingTable(
    "contact_history_staging",
    {"tenant_id": TXT, "contact_person_id": CONTACT_KEY, "occurred_at": TS, "kind": TXT, "subject": TXT,
     "detail": TXT, "source": TXT, "external_key": TXT},
    HISTORY_ROW,
)
"""The COPY target of the history load (``cleverreach.history.store``; its rows are ``HistoryRow``s)."""


def _page_extensions(*, person: bool | None, state_filter: bool, boundary: bool = False) -> tuple[Extension, ...]:
    """What the members page appends to a page statement: per sort it offers there (``person``: the sorts that
    walk the person's index, False: the membership's, None: every sort), the keyset condition and ORDER BY,
    with the state filter where the page adds it; and the boundary row's lookup."""
    where = (STATE_FILTER,) if state_filter else ()
    params = {"state": MemberState.PENDING} if state_filter else {}
    found = [Extension(f"{'state filter, ' if state_filter else ''}sort {sort}", where, sort, params)
             for sort in SORT_KEYS if person is None or walks_person(sort) is person]
    if boundary:
        found.append(Extension("boundary row", (BOUNDARY_FILTER,), params={"boundary_id": CONTACT}))
    return tuple(found)


STATEMENTS: tuple[Statement, ...] = (
    # (a) CRM data, read only
    Statement("select_tenants", R, CRM, "active tenants, or the one named (active or not)",
              {"tenant_id": TENANT}, {"id": TXT, "name": TXT, "cleverreach_conn_id": TXT, "active": BOOL,
                                     "time_zone": TXT}),
    Statement("erasure_select_tenant_contacts", R, CRM, "the tenant's contacts with their e-mail (erasure requests)",
              {"tenant_id": TENANT}, {"id": CONTACT_KEY, "email": TXT}),
    Statement("history_select_contacts", R, CRM, "the tenant's contacts with their e-mail (report receivers)",
              {"tenant_id": TENANT}, {"id": CONTACT_KEY, "email": TXT}),
    Statement("members_select_candidates", R, CRM, "contacts the members dialog's filters select",
              {"tenant_id": TENANT, "by_address": False, "by_address_ids": False, "address_ids": [ADDRESS],
               "by_contact_ids": False, "contact_ids": [CONTACT], "by_category": False, "categories": [""],
               "by_tag": False, "tags": [""], "by_sales_process": False, "sales_processes": [""], "search": None},
              {"contact_person_id": CONTACT_KEY, "address_id": ADDRESS_KEY, "email": TXT, "name": TXT, "matchcode": TXT,
               "city": TXT}),
    Statement("members_select_id_owners", R, CRM, "the tenant of each address and contact id named",
              {"address_ids": [ADDRESS], "contact_ids": [CONTACT]}, {"kind": TXT, "id": OWNER_KEY, "tenant_id": TXT}),
    Statement("members_select_vocabulary", R, CRM, "the tenant's spellings of tags, categories, sales processes",
              {"tenant_id": TENANT}, {"kind": TXT, "value": TXT}),
    Statement("ui_contact_select", R, CRM, "one contact of the tenant for the CleverReach page",
              {"contact_id": CONTACT, "tenant_id": TENANT},
              {"id": CONTACT_KEY, "salutation": TXT, "first_name": TXT, "last_name": TXT, "function": TXT, "email": TXT,
               "address_name": TXT}),
    Statement("sync_select_withdrawn", R, CRM, "contacts flagged no marketing, or deleted or anonymised",
              {"tenant_id": TENANT}, {"contact_person_id": CONTACT_KEY, "no_marketing": BOOL, "deleted_at": TS}),
    # (b) CRM entities: recipient lists
    Statement("lists_select_for_tenant", R, ENTITY, "the tenant's lists, or the one named if it is the tenant's",
              {"tenant_id": TENANT, "list_id": None},
              {"id": LIST_KEY, "tenant_id": TXT, "external_id": GROUP_ID, "name": TXT, "short_description": TXT,
               "remote_member_count": INT, "remote_deleted_at": TS}),
    Statement("insert_recipient_list", W, ENTITY, "first import of a group as a list",
              {"tenant_id": TENANT, "external_id": GROUP, "name": "check", "short_description": None,
               "remote_member_count": 0, "now": NOW, "actor": ACTOR}),
    Statement("refresh_recipient_list", W, ENTITY, "re-import: member count and import time",
              {"remote_member_count": 0, "now": NOW, "id": LIST}),
    Statement("mark_recipient_list_deleted", W, ENTITY, "the group is gone in CleverReach",
              {"now": NOW, "actor": ACTOR, "id": LIST}),
    Statement("lists_set_remote_count", W, ENTITY, "the group's member count",
              {"remote_member_count": 0, "list_id": LIST}),
    Statement("lists_update_local", W, ENTITY, "local name and description of a list",
              {"name": "check", "short_description": None, "now": NOW, "actor": ACTOR, "list_id": LIST,
               "tenant_id": TENANT}),
    Statement("lists_select_translations", R, ENTITY, "a list's name and description per language",
              {"list_id": LIST},
              {"language": TXT, "name": TXT, "short_description": TXT, "changed_at": TS, "changed_by": TXT}),
    Statement("lists_upsert_translation", W, ENTITY, "a list's name and description in one language",
              {"list_id": LIST, "language": "xx", "name": "check", "short_description": None, "now": NOW,
               "actor": ACTOR}),
    Statement("lists_delete_translation", W, ENTITY, "drop one language of a list",
              {"list_id": LIST, "language": "xx"}),
    # (b) CRM entities: list members
    Statement("members_lock_list", R, ENTITY, "serialise member changes of one list (a row lock on PostgreSQL)",
              {"list_id": LIST}, {"id": LIST_KEY}),
    Statement("members_select_member_ids", R, ENTITY, "who is on the list",
              {"list_id": LIST}, {"contact_person_id": CONTACT_KEY}),
    Statement("members_insert", W, ENTITY, "add contacts of the tenant to a list as pending",
              {"list_id": LIST, "now": NOW, "actor": ACTOR, "tenant_id": TENANT, "contact_ids": [CONTACT]}),
    Statement("members_delete", W, ENTITY, "remove contacts from a list",
              {"list_id": LIST, "contact_ids": [CONTACT]}),
    Statement("sync_select_members", R, ENTITY, "the desired state of a list: members with their contact data",
              {"tenant_id": TENANT, "list_id": LIST},
              {"contact_person_id": CONTACT_KEY, "sync_state": TXT, "sync_error": TXT, "synced_at": TS, "email": TXT,
               "salutation": TXT,
               "first_name": TXT, "last_name": TXT, "function": TXT, "company": TXT, "no_marketing": BOOL,
               "deleted_at": TS, "changed_at": TS}),
    Statement("sync_select_member_marks", R, ENTITY, "every member's state and times (a changes-only sync)",
              {"tenant_id": TENANT, "list_id": LIST},
              {"contact_person_id": CONTACT_KEY, "sync_state": TXT, "synced_at": TS, "changed_at": TS}),
    Statement("sync_select_members_by_id", R, ENTITY, "the desired state of the members named (a changes-only sync)",
              {"tenant_id": TENANT, "list_id": LIST, "contact_ids": [CONTACT]},
              {"contact_person_id": CONTACT_KEY, "sync_state": TXT, "sync_error": TXT, "synced_at": TS, "email": TXT,
               "salutation": TXT,
               "first_name": TXT, "last_name": TXT, "function": TXT, "company": TXT, "no_marketing": BOOL,
               "deleted_at": TS, "changed_at": TS}),
    Statement("sync_set_member_state", W, ENTITY, "the sync's result for many members",
              {"sync_state": MemberState.PENDING, "synced_at": NOW, "sync_error": None, "list_id": LIST,
               "contact_ids": [CONTACT]}),
    Statement("sync_set_member_error", W, ENTITY, "the sync's result for one member",
              {"sync_state": MemberState.PENDING, "synced_at": NOW, "sync_error": None, "list_id": LIST,
               "contact_person_id": CONTACT}),
    Statement("history_mark_members", W, ENTITY, "an unsubscribe or bounce from a report on a member",
              {"sync_state": MemberState.BOUNCED, "reason": "check", "list_id": LIST, "contact_person_id": CONTACT}),
    Statement("erasure_delete_members", W, ENTITY, "an erased person leaves every list of the tenant",
              {"contact_ids": [CONTACT], "tenant_id": TENANT}),
    Statement("ui_members_counts", R, ENTITY, "members of a list per state",
              {"list_id": LIST}, {"sync_state": TXT, "n": INT}),
    Statement("ui_members_count_changed", R, ENTITY, "synced members whose contact changed since (shown pending)",
              {"list_id": LIST, "tenant_id": TENANT}, {"n": INT}),
    Statement("ui_members_count_upto", R, ENTITY, "members in some states, counted up to a cap",
              {"list_id": LIST, "states": [MemberState.PENDING], "cap": 10}, {"n": INT}),
    Statement("ui_members_ids_in_state", R, ENTITY, "contact ids of a list's members in one state",
              {"list_id": LIST, "state": MemberState.REJECTED}, {"contact_person_id": CONTACT_KEY}),
    Statement("ui_members_page", R, ENTITY, "a page of a large list's members in an order of the membership",
              {"list_id": LIST, "tenant_id": TENANT}, MEMBER_PAGE,
              extensions=_page_extensions(person=False, state_filter=True, boundary=True)),
    Statement("ui_members_page_by_person", R, ENTITY, "a page of a large list's members in an order of the person",
              {"list_id": LIST, "tenant_id": TENANT}, MEMBER_PAGE,
              extensions=_page_extensions(person=True, state_filter=True)),
    Statement("ui_members_page_small", R, ENTITY, "a page of a small list's members, sorted in memory",
              {"list_id": LIST, "states": [MemberState.PENDING], "tenant_id": TENANT}, MEMBER_PAGE,
              extensions=_page_extensions(person=None, state_filter=False)),
    # (b) CRM entities: contact history
    Statement("history_select_lists", R, ENTITY, "the tenant's lists with their group id (the watermarks are private)",
              {"tenant_id": TENANT}, {"list_id": LIST_KEY, "external_id": GROUP_ID}),
    Statement("history_insert", W, ENTITY, "history rows, reruns add nothing (driver executemany)",
              HISTORY_ROW, dialects=("sqlite",), positional=True),
    Statement("history_create_staging", W, ENTITY, "the staging table of the COPY into the history",
              dialects=("postgresql",), creates=HISTORY_STAGING),
    Statement("history_insert_from_staging", W, ENTITY, "history rows from the staging table, reruns add nothing",
              dialects=("postgresql",), prepare=("history_create_staging",), reads=HISTORY_STAGING),
    Statement("erasure_delete_history", W, ENTITY, "the history the integration wrote for erased persons",
              {"tenant_id": TENANT, "contact_ids": [CONTACT]}),
    Statement("ui_contact_history", R, ENTITY, "a page of a contact's history, newest first",
              {"tenant_id": TENANT, "contact_id": CONTACT, "limit": 10, "offset": 0},
              {"occurred_at": TS, "kind": TXT, "subject": TXT, "detail": TXT, "source": TXT}),
    Statement("check_count_history", R, ENTITY, "history rows of the tenant (the check's counts)",
              {"tenant_id": TENANT}, {"n": INT}),
)

BY_NAME: dict[str, Statement] = {statement.name: statement for statement in STATEMENTS}


def statement(name: str) -> Statement:
    """The manifest's entry for ``name`` (a KeyError names a statement the manifest does not know)."""
    return BY_NAME[name]


if __name__ == "__main__":
    print(markdown_table(STATEMENTS))
