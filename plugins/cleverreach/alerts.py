"""Telling the data team when something goes wrong.

* Task failures: an e-mail through Airflow's SMTP provider, naming the tenant and the list. Off by
  default; on when ``[cleverreach] alert_email`` (env ``AIRFLOW__CLEVERREACH__ALERT_EMAIL``) lists
  recipients. ``alert_smtp_conn_id`` (default ``smtp_default``) and ``alert_from`` choose the server
  and sender. The setting is read from Airflow's config at parse time, which touches no database.
* Suspicious runs: a sync whose rejected share is high, or whose removal count is far above the
  list's recent runs, is flagged in ``sync_run.alert`` and logged as a warning (:func:`run_flags`).
"""

from __future__ import annotations

import html
import statistics
from collections.abc import Sequence
from typing import Any

from airflow.sdk import conf
from airflow.sdk.bases.notifier import BaseNotifier

from cleverreach.exceptions import redact_emails


def failure_callbacks() -> list[BaseNotifier]:
    """The DAGs' ``on_failure_callback`` list: empty unless alert e-mail recipients are configured."""
    recipients = [a.strip() for a in (conf.get("cleverreach", "alert_email", fallback="") or "").split(",") if a.strip()]
    if not recipients:
        return []
    return [
        CleverReachFailureNotifier(
            to=recipients,
            smtp_conn_id=conf.get("cleverreach", "alert_smtp_conn_id", fallback="smtp_default"),
            from_email=conf.get("cleverreach", "alert_from", fallback=None) or None,
        )
    ]


def failure_message(context: Any) -> tuple[str, str]:
    """Subject and HTML body for a failed task: DAG, task, tenant, list, run, and the error (no addresses)."""
    ti = context.get("ti") or context.get("task_instance")
    task = context.get("task")
    dag_id = getattr(ti, "dag_id", None) or getattr(task, "dag_id", "?")
    task_id = getattr(ti, "task_id", None) or getattr(task, "task_id", "?")
    tenant = getattr(task, "tenant_id", None)
    list_id = getattr(task, "list_id", None)
    where = ", ".join(part for part in (f"tenant {tenant}" if tenant else "", f"list {list_id}" if list_id else "") if part)
    subject = f"[CleverReach] {dag_id}.{task_id} failed" + (f" for {where}" if where else "")
    error = redact_emails(str(context.get("exception") or "see the task log"))[:2000]
    rows = [("DAG", dag_id), ("Task", task_id), ("Tenant", tenant or "-"), ("List", list_id or "-"),
            ("Run", context.get("run_id") or getattr(ti, "run_id", "-")), ("Try", getattr(ti, "try_number", "-")),
            ("Error", error)]
    body = "<table>" + "".join(f"<tr><th align='left'>{k}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows) + "</table>"
    return subject, body


class CleverReachFailureNotifier(BaseNotifier):
    """E-mail about a failed task through the SMTP provider's hook."""

    template_fields = ()

    def __init__(self, *, to: Sequence[str], smtp_conn_id: str = "smtp_default", from_email: str | None = None) -> None:
        super().__init__()
        self.to = list(to)
        self.smtp_conn_id = smtp_conn_id
        self.from_email = from_email

    def notify(self, context: Any) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        subject, body = failure_message(context)
        with SmtpHook(smtp_conn_id=self.smtp_conn_id) as smtp:
            smtp.send_email_smtp(to=self.to, subject=subject, html_content=body, from_email=self.from_email)


def run_flags(
    *,
    members: int,
    rejected: int,
    removals: int,
    recent_removals: Sequence[int],
    rejected_share: float = 0.1,
    removal_factor: float = 3.0,
    removal_minimum: int = 10,
) -> list[str]:
    """
    Why a sync run looks wrong, if it does (pure).

    Rejected: more than ``rejected_share`` of the members. Removals: at least ``removal_minimum`` and
    more than ``removal_factor`` times the median of the list's recent runs (needs three of them).
    """
    flags = []
    if members and rejected / members > rejected_share:
        flags.append(f"{rejected} of {members} members rejected ({rejected / members:.0%}, threshold {rejected_share:.0%})")
    if len(recent_removals) >= 3 and removals >= removal_minimum:
        baseline = statistics.median(recent_removals)
        if removals > removal_factor * max(baseline, 1):
            flags.append(
                f"{removals} removals, against a median of {baseline:g} in the last {len(recent_removals)} runs"
            )
    return flags


def dag_defaults() -> dict[str, Any]:
    """What every CleverReach DAG shares: start date, no catch-up, tags, and the failure alerts.

    A function, not a constant: the alert settings are read each time a DAG file is parsed.
    """
    import pendulum

    return {
        "start_date": pendulum.datetime(2026, 1, 1, tz="UTC"),
        "catchup": False,
        "tags": ["cleverreach", "crm"],
        "default_args": {"on_failure_callback": failure_callbacks()},
    }
