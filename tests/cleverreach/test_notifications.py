"""Failure e-mails through the SMTP provider to a real (local) SMTP server."""

from __future__ import annotations

import json
from types import SimpleNamespace

from helpers.smtp_sink import SmtpSink

from cleverreach.notifications import CleverReachFailureNotifier, failure_callbacks, failure_message


def test_failure_message_names_tenant_and_list_without_addresses():
    context = {
        "ti": SimpleNamespace(dag_id="cleverreach_sync_recipients", task_id="sync_list", run_id="r1", try_number=1),
        "task": SimpleNamespace(tenant_id="acme", list_id=7),
        "exception": ValueError("refused anna@example.org"),
    }
    subject, body = failure_message(context)
    assert subject == "[CleverReach] cleverreach_sync_recipients.sync_list failed for tenant acme, list 7"
    assert "anna@example.org" not in body and "&lt;email&gt;" in body


def test_alerts_are_off_by_default_and_configurable(monkeypatch):
    assert failure_callbacks() == []
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__ALERT_EMAIL", "data@acme.example, ops@acme.example")
    (notifier,) = failure_callbacks()
    assert notifier.to == ["data@acme.example", "ops@acme.example"]


def test_notifier_sends_through_smtp(monkeypatch):
    with SmtpSink() as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": sink.port,
            "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "airflow@acme.example"}}))
        notifier = CleverReachFailureNotifier(to=["data@acme.example"], smtp_conn_id="smtp_alerts")
        notifier.notify({"ti": SimpleNamespace(dag_id="d", task_id="t", run_id="r", try_number=2),
                         "task": SimpleNamespace(tenant_id="beta"), "exception": RuntimeError("boom")})
    (mail,) = sink.messages
    assert mail["message"]["Subject"] == "[CleverReach] d.t failed for tenant beta"
    assert "data@acme.example" in mail["message"]["To"]
