"""Add or remove contact persons on a CRM recipient list, then sync that list (the CRM's "Empfänger hinzufügen").

Pick the persons with address filters (letter, tag, category, sales process, search, address ids), with
contact ids, or both (AND); at least one filter is required. Adding inserts ``recipient_list_member``
rows (``pending``); removing deletes them. With *Sync afterwards* the DAG then triggers
``cleverreach_sync_recipients`` for the list without waiting for it.
"""

from __future__ import annotations

import string

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import Param, dag, task

from cleverreach.dag_defaults import KEY_ITEMS, KEY_SCHEMA, KEY_TYPES, MAX_KEYS, dag_defaults
from cleverreach.operators.manage_members import SELECTION_FIELDS, ManageListMembersOperator

LETTERS = [*string.ascii_uppercase, "0-9"]


@dag(
    dag_id="cleverreach_manage_members",
    schedule=None,
    doc_md=__doc__,
    **dag_defaults(),
    params={
        "tenant": Param(type="string", minLength=1, maxLength=100, title="Tenant",
                        description="CRM tenant id (Mandant) the list belongs to."),
        "list_id": Param(type=KEY_TYPES, **KEY_SCHEMA, title="Recipient list",
                         description="recipient_list.id of the list to change (must belong to the tenant; an integer "
                                     "or text, as the CRM keys its lists)."),
        "action": Param("add", type="string", enum=["add", "remove"], title="Action",
                        values_display={"add": "Add to the list", "remove": "Remove from the list"},
                        description="Add the matching contact persons, or remove them from the list."),
        "letter": Param(None, type=["null", "string"], enum=[None, *LETTERS], title="Letter",
                        description="First letter of the address name (umlauts count as their base letter, "
                                    "Ä as A); 0-9 = names starting with a digit."),
        "tag": Param(None, type=["null", "string"], maxLength=200, title="Tag",
                     description="Addresses with this tag (exact, case-insensitive)."),
        "category": Param(None, type=["null", "string"], maxLength=200, title="Category",
                          description="Addresses of this category (exact, case-insensitive)."),
        "sales_process": Param(None, type=["null", "string"], maxLength=200, title="Sales process",
                               description="Addresses in this sales process (exact, case-insensitive)."),
        "search": Param(None, type=["null", "string"], maxLength=200, title="Search",
                        description="Text contained in the address name, matchcode or city (case-insensitive; "
                                    "% and _ are plain characters)."),
        "address_ids": Param([], type="array", items=KEY_ITEMS, maxItems=MAX_KEYS, title="Address ids",
                             description="Addresses whose contact persons are selected, e.g. [101, 102] or "
                                         "[\"A-17\"] (integers or text, as the CRM keys them)."),
        "contact_ids": Param([], type="array", items=KEY_ITEMS, maxItems=MAX_KEYS, title="Contact person ids",
                             description="Contact persons picked directly, e.g. [5, 7] or UUIDs; with other filters, "
                                         "only those of them that also match."),
        "sync_after": Param(True, type="boolean", title="Sync afterwards",
                            description="Trigger cleverreach_sync_recipients for this list when done."),
    },
)
def cleverreach_manage_members():
    manage = ManageListMembersOperator(
        task_id="manage_members", migrate_state=True,
        **{name: f"{{{{ params.{name} }}}}" for name in SELECTION_FIELDS},
    )

    @task.short_circuit
    def sync_requested(change: dict) -> dict | None:
        """The sync's conf, or None to skip the trigger when the form says not to sync."""
        return change.get("sync_conf")

    TriggerDagRunOperator(
        task_id="trigger_sync",
        trigger_dag_id="cleverreach_sync_recipients",
        conf=sync_requested(manage.output),
        wait_for_completion=False,
    )


cleverreach_manage_members()
