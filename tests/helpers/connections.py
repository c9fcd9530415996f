"""Airflow connections for tests, as AIRFLOW_CONN_* environment variables (Airflow's JSON form)."""

from __future__ import annotations

import json

import pytest


def set_cleverreach_connection(
    monkeypatch: pytest.MonkeyPatch, conn_id: str, url: str, client_id: str, secret: str, **extra
) -> None:
    """Register a ``cleverreach`` connection."""
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}",
        json.dumps({"conn_type": "cleverreach", "host": url, "login": client_id, "password": secret, "extra": extra}),
    )
