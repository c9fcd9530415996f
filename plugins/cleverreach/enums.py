"""The integration's typed vocabulary: every state, status and kind that is stored or branched on.

Each enum is a ``StrEnum``, so a member compares equal to the text stored in the database and can be
bound as a SQL parameter as it is. The SQL ``CHECK`` constraints and docs/ list the same values;
``tests/cleverreach/test_enums.py`` holds the three together.
"""

from __future__ import annotations

from enum import StrEnum


class MemberState(StrEnum):
    """``recipient_list_member.sync_state``: what CleverReach holds for one member of a list."""

    PENDING = "pending"  # not yet in CleverReach as the CRM has it
    SYNCED = "synced"
    UNCONFIRMED = "unconfirmed"  # the receiver exists but waits for a double opt-in confirmation
    REJECTED = "rejected"  # cannot be sent; sync_error says why
    UNSUBSCRIBED = "unsubscribed"  # deactivated by the person: never re-activated by a sync
    BOUNCED = "bounced"


class SyncScope(StrEnum):
    """``sync_run.scope``: what a run read of the group (``cleverreach.sync.scope``)."""

    FULL = "full"  # every receiver of the group: a full reconciliation
    CHANGES = "changes"  # only the receivers of the contacts that changed since the last run


class RunStatus(StrEnum):
    """``sync_run.status``. ``RUNNING`` is the list's lease; every other status is terminal."""

    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"  # applied, but CleverReach refused some items
    FAILED = "failed"
    BLOCKED = "blocked"  # the mass-removal guard stopped the plan; nothing was written
    DRY_RUN = "dry_run"
    ABANDONED = "abandoned"  # a crashed attempt's lease, taken over by a later one
    ERASURE = "erasure"  # not a sync: an erasure held the list's lease (cleverreach.erasure.leases)

    @property
    def is_terminal(self) -> bool:
        return self is not RunStatus.RUNNING


class ErasureStatus(StrEnum):
    """``erasure_request.status``: a failed request keeps its data for the retry; a done one has none left."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ChangeAction(StrEnum):
    """``sync_change.action``: one planned change to one receiver, or why a member is left alone."""

    ADD = "add"
    UPDATE = "update"
    REMOVE = "remove"  # delete from the group (removal_mode=delete)
    DEACTIVATE = "deactivate"  # deactivate in the group (removal_mode=deactivate)
    REACTIVATE = "reactivate"  # a receiver the integration itself deactivated, wanted again
    REJECT = "reject"  # the member cannot be sent (no valid e-mail, refused before)
    KEEP = "keep"  # consent state: unsubscribed or bounced, never written to


class ChangeResult(StrEnum):
    """``sync_change.result``: what became of a planned change."""

    PLANNED = "planned"
    OK = "ok"
    FAILED = "failed"
    REJECTED = "rejected"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    UNCONFIRMED = "unconfirmed"


class RemovalMode(StrEnum):
    """How a member who left a list leaves its group (connection extra ``removal_mode``)."""

    DELETE = "delete"
    DEACTIVATE = "deactivate"


class OptInPolicy(StrEnum):
    """How new receivers are created (connection extra ``opt_in``, per tenant, overridable per list)."""

    CONFIRMED = "confirmed"  # the CRM holds the consent: created active (``activated`` = now)
    DOUBLE = "double"  # created pending (``activated`` = 0) until the person confirms


class HistoryKind(StrEnum):
    """``contact_history.kind`` of the rows the mail history writes."""

    MAIL_SENT = "mail_sent"
    MAIL_OPENED = "mail_opened"
    MAIL_CLICKED = "mail_clicked"
    MAIL_BOUNCED = "mail_bounced"
    UNSUBSCRIBED = "unsubscribed"


class CheckVerdict(StrEnum):
    """What the live API check (``cleverreach_api_check``) says about one assumption of the integration."""

    HOLDS = "holds"
    DIFFERS = "differs"  # the account behaves otherwise; the row says what was seen
    COULD_NOT_CHECK = "could not check"  # no evidence either way; the row says why


class AuditAction(StrEnum):
    """``audit_event.action``: what someone (a person or a run) did, recorded in the audit trail."""

    LIST_IMPORTED = "list_imported"  # a CleverReach group became a recipient list
    LIST_REVIVED = "list_revived"  # a list whose group was gone has its group again
    LIST_GONE = "list_gone"  # the list's group is gone in CleverReach (remote_deleted_at)
    LIST_RENAMED = "list_renamed"  # local name and short description edited
    LIST_TRANSLATION_SET = "list_translation_set"
    LIST_TRANSLATION_DELETED = "list_translation_deleted"
    MEMBERS_ADDED = "members_added"
    MEMBERS_REMOVED = "members_removed"
    SYNC_STARTED = "sync_started"  # a list's sync took its lease (dry run or apply)
    SYNC_FINISHED = "sync_finished"  # with its status and counts
    SYNC_APPROVED = "sync_approved"  # a plan the mass-removal guard blocked, approved on the page
    SYNC_APPROVAL_USED = "sync_approval_used"  # the approved run applied the plan (migration state/0006)
    ACCESS_GRANTED = "access_granted"  # a user limited to (or widened by) a tenant
    ACCESS_REVOKED = "access_revoked"
    CONTACT_ERASED = "contact_erased"  # a data-subject erasure (counts only, never whom)
    TENANT_RENAMED = "tenant_renamed"  # the private state of tenant id OLD became NEW's (cleverreach.tenants)
    TENANT_MOVED = "tenant_moved"  # the tenant left its CleverReach account; the next login check binds the new one
    WEBHOOK_REGISTERED = "webhook_registered"  # a list's receiver webhook of one event registered in CleverReach
    WEBHOOK_REMOVED = "webhook_removed"  # ... removed (or found gone there) and its call token no longer accepted


class WebhookStatus(StrEnum):
    """``webhook_registration.hook_status``: where a receiver webhook of one list and event stands."""

    PENDING = "pending"  # stored before the registration call, whose verification GET it answers
    ACTIVE = "active"  # registered: events carrying its call token are accepted
    REMOVED = "removed"  # removed in CleverReach (or never registered): no token is accepted


class WebhookOutcome(StrEnum):
    """``webhook_event.outcome``: what became of one accepted webhook event (cleverreach.webhooks)."""

    APPLIED = "applied"  # the member's state (or the ownership record) changed
    NOT_OURS = "not_ours"  # the receiver is not one the sync owns in the list's group: nothing touched
    UNKNOWN_GROUP = "unknown_group"  # the event names another group than the registration's list
    ALREADY = "already"  # nothing to change: the member is in that state already (or no longer a member)
    KEPT = "kept"  # consent ratchet: a subscribe never changes an unsubscribed (or bounced, ...) member
    IGNORED = "ignored"  # an event this integration does not act on (receiver.updated, form.*, ...)
    FAILED = "failed"  # the change could not be made; the daily mail history reconciles


class TenantScopeDefault(StrEnum):
    """``[cleverreach] tenant_scope_default``: the tenants of a user who has no tenant grant."""

    ALL = "all"  # not limited (the default, as before)
    NONE = "none"  # no tenant at all until an admin grants one
