"""Start DAG runs through Airflow's REST API, as the user of the page.

The page never writes to CleverReach itself: it triggers ``cleverreach_manage_members``,
``cleverreach_sync_recipients`` and ``cleverreach_erase_contact`` with ``POST /api/v2/dags/{dag_id}/dagRuns`` and the caller's own
credential (the UI's session token, or their Bearer token). Airflow therefore checks the DAG rights
(``access_control``) itself, records the user as the run's triggering user (which the first task checks
against the tenant scope), and every action appears in the run history.

The API server calls itself at a configured address: ``[cleverreach] airflow_api_url``, else Airflow's
``[api] base_url``, else its own ``[api] host``/``port`` (loopback when it listens everywhere); never at the
request's Host header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import requests
from fastapi import Depends, HTTPException, status

MANAGE_MEMBERS_DAG = "cleverreach_manage_members"
SYNC_RECIPIENTS_DAG = "cleverreach_sync_recipients"
ERASE_CONTACT_DAG = "cleverreach_erase_contact"
TIMEOUT_S = 30


def run_link(dag_id: str, run_id: str) -> str:
    """The run in Airflow's UI, relative to this app's root (works behind a proxy with a path prefix)."""
    from urllib.parse import quote

    return f"../dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


@dataclass(frozen=True)
class TriggeredRun:
    dag_id: str
    run_id: str
    state: str

    def as_dict(self) -> dict[str, Any]:
        return {"dag_id": self.dag_id, "dag_run_id": self.run_id, "state": self.state,
                "link": run_link(self.dag_id, self.run_id)}


class AirflowRestApi:
    """``POST /api/v2/dags/{dag_id}/dagRuns`` with the caller's credential."""

    def __init__(self, base_url: str, session: Any = None, timeout: float | None = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout

    def trigger(self, dag_id: str, conf: dict[str, Any], token: str | None, note: str | None = None,
                run_id: str | None = None) -> TriggeredRun:
        """Trigger a manual run; Airflow's own refusals (401, 403, 400 on bad conf, 404, 409 on a run id in use)
        pass through. ``run_id`` chooses the run's id (an approval is bound to it before the run exists)."""
        if not token:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not authenticated")
        body: dict[str, Any] = {"logical_date": None, "conf": conf}
        if run_id:
            body["dag_run_id"] = run_id
        if note:
            body["note"] = note[:1000]
        try:
            resp = self.session.post(f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns", json=body,
                                     headers={"Authorization": f"Bearer {token}"},
                                     **({"timeout": self.timeout} if self.timeout else {}))
        except requests.RequestException as exc:
            raise HTTPException(status.HTTP_502_BAD_GATEWAY,
                                f"Airflow's REST API could not be reached to trigger {dag_id}: {type(exc).__name__}") from None
        if resp.status_code not in (200, 201):
            detail = _detail(resp)
            code = resp.status_code if resp.status_code in (400, 401, 403, 404, 409, 422) else status.HTTP_502_BAD_GATEWAY
            raise HTTPException(code, f"Airflow refused to trigger {dag_id}: {detail}")
        run = resp.json()
        return TriggeredRun(dag_id, run["dag_run_id"], str(run.get("state", "")))


def _detail(resp: Any) -> str:
    """Airflow's own error text (its bodies hold no personal data; cut to a line)."""
    try:
        detail = resp.json().get("detail", resp.status_code)
    except ValueError:
        detail = resp.status_code
    return str(detail)[:500]


def configured_base_url() -> str:
    """Where the API server calls itself: ``[cleverreach] airflow_api_url``, else Airflow's ``[api] base_url``,
    else its own ``[api] host``/``port``. Never the request's ``Host`` header: the call carries the caller's token,
    and a client picks its Host freely (issue 18)."""
    from airflow.configuration import conf

    for section, key in (("cleverreach", "airflow_api_url"), ("api", "base_url")):
        configured = (conf.get(section, key, fallback=None) or "").strip()
        if configured:
            return configured.rstrip("/")
    scheme = "https" if (conf.get("api", "ssl_cert", fallback="") or "").strip() else "http"
    host = (conf.get("api", "host", fallback="") or "").strip().strip("[]")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # listening everywhere: loopback is one of them
    port = (conf.get("api", "port", fallback="8080") or "8080").strip()
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def airflow_api() -> AirflowRestApi:
    """The REST API client for this request; tests override this dependency."""
    return AirflowRestApi(configured_base_url())


AirflowApiDep = Annotated[AirflowRestApi, Depends(airflow_api)]
