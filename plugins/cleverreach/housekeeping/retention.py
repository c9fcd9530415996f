"""The retention rule, pure, and its store.

Stored plans (``sync_change``: addresses, attribute values, CleverReach's answers) and run messages are
needed to audit and retry recent runs, not forever. After ``retention_days`` (default 90, setting
``[cleverreach] retention_days``) a finished run keeps its counts and status; its changes and message
go. A running run (a lease) is never touched. An erasure request (``erasure_request``) past retention loses
its contact ids and addresses whatever its status (a failed one kept them for its retry); status and counts stay.
A webhook event's record (``webhook_event``: ids and outcome, no address) is deleted after it. The audit trail (``audit_event``) is never deleted: it holds
counts and ids only, no personal data (``cleverreach.audit.events``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cleverreach.clock import utcnow
from cleverreach.crm.store import SqlStore

DEFAULT_RETENTION_DAYS = 90


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Runs started before this moment are past retention."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    return now - timedelta(days=retention_days)


class RetentionStore(SqlStore):
    def purge_before(self, cutoff: datetime) -> dict[str, int]:
        """Delete the changes and clear the messages of finished runs started before ``cutoff``, and purge the
        erasure requests made before it, and delete the webhook events received before it."""
        with self.state.begin() as conn:
            changes = conn.execute(self.q("housekeeping_delete_changes"), {"cutoff": cutoff}).rowcount
            messages = conn.execute(self.q("housekeeping_clear_run_messages"), {"cutoff": cutoff}).rowcount
            erasures = conn.execute(self.q("erasure_request_purge_before"), {"cutoff": cutoff, "now": utcnow()}).rowcount
            webhooks = conn.execute(self.q("housekeeping_delete_webhook_events"), {"cutoff": cutoff}).rowcount
        return {"sync_changes_deleted": int(changes or 0), "run_messages_cleared": int(messages or 0),
                "erasure_requests_purged": int(erasures or 0), "webhook_events_deleted": int(webhooks or 0)}
