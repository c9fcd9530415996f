"""The "Empfänger hinzufügen" dialog as a service: check tenant, list and ids, select, then add or remove."""

from __future__ import annotations

from sqlalchemy import Engine

from cleverreach.audit.actor import Actor
from cleverreach.exceptions import RecipientListError
from cleverreach.lists.store import ListStore
from cleverreach.members.selection import MemberChange, MemberSelection, has_usable_email
from cleverreach.members.store import MemberStore
from cleverreach.tenants.store import TenantStore


class MemberDialog:
    """Applies one :class:`MemberSelection`; every refusal comes before the first write."""

    def __init__(self, engine: Engine) -> None:
        self.tenants = TenantStore(engine)
        self.lists = ListStore(engine)
        self.members = MemberStore(engine)

    def apply(self, selection: MemberSelection, actor: Actor) -> MemberChange:
        """
        Raises ``TenantNotFoundError``, ``RecipientListError`` or ``SelectionError`` before anything is
        written. Adding to a list whose CleverReach group is gone is refused (the sync could not send
        them); removing is still allowed.
        """
        self.tenants.tenant(selection.tenant_id)
        target = self.lists.owned_list(selection.tenant_id, selection.list_id)
        if selection.action == "add" and target["remote_deleted_at"] is not None:
            raise RecipientListError(
                f"recipient list {selection.list_id} ({target['name']}) of tenant {selection.tenant_id!r}: its "
                f"CleverReach group {target['external_id']} is gone since {target['remote_deleted_at']}, so "
                f"nobody can be added; re-import the lists or choose another list (removing is still allowed)"
            )
        self.members.check_ids(selection)
        rows = self.members.select(selection)
        ids = [row["contact_person_id"] for row in rows]
        if selection.action == "add":
            added, present = self.members.add(selection.tenant_id, selection.list_id, ids, actor)
            emails = {row["contact_person_id"]: row["email"] for row in rows}
            without_email = tuple(cid for cid in added if not has_usable_email(emails[cid]))
            return MemberChange(selection, target["name"], len(ids), tuple(added), present, without_email=without_email)
        removed, absent = self.members.remove(selection.tenant_id, selection.list_id, ids, actor)
        return MemberChange(selection, target["name"], len(ids), removed=removed, not_on_list=absent)
