"""Failure e-mails: a task that fails tells the data team, naming the DAG, task, tenant and list.

Off by default; on when ``[cleverreach] alert_email`` (env ``AIRFLOW__CLEVERREACH__ALERT_EMAIL``) lists
recipients. ``alert_smtp_conn_id`` (default ``smtp_default``) and ``alert_from`` choose the server and
sender. The setting is read from Airflow's config at parse time, which touches no database.
"""

from __future__ import annotations

import html
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
