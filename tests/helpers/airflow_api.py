"""Airflow's REST API v2 for the tests that run Airflow as processes (end-to-end, distributed)."""

from __future__ import annotations

from typing import Any

import requests


class AirflowApi:
    """The REST API v2 with a JWT from ``POST /auth/token``. Reads are retried after a time-out: on two cores
    with many processes the api-server can be slow to answer."""

    def __init__(self, url: str, username: str, password: str, timeout: float = 60) -> None:
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        resp = requests.post(f"{url}/auth/token", json={"username": username, "password": password}, timeout=120)
        resp.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def get(self, path: str, **params: Any) -> Any:
        for attempt in range(3):
            try:
                resp = self.session.get(f"{self.url}/api/v2{path}", params=params, timeout=self.timeout)
                break
            except requests.Timeout:
                if attempt == 2:
                    raise
        resp.raise_for_status()
        return resp.json()

    def send(self, method: str, path: str, body: dict) -> Any:
        resp = self.session.request(method, f"{self.url}/api/v2{path}", json=body, timeout=2 * self.timeout)
        assert resp.status_code in (200, 201), f"{method} {path}: {resp.status_code} {resp.text[:500]}"
        return resp.json()

    def post(self, path: str, body: dict) -> Any:
        return self.send("POST", path, body)

    def trigger(self, dag_id: str, conf: dict) -> str:
        """Trigger a manual run (``logical_date`` must be present, null for a manual run); returns its id."""
        return self.post(f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf})["dag_run_id"]

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns", order_by="-run_after", limit=50)["dag_runs"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=500)["task_instances"]

    def task_log(self, dag_id: str, run_id: str, ti: dict) -> str:
        resp = self.session.get(
            f"{self.url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/{max(1, ti['try_number'])}",
            params={"map_index": ti["map_index"], "full_content": "true"}, headers={"Accept": "application/json"},
            timeout=self.timeout,
        )
        if resp.status_code != 200:
            return f"(log unavailable: {resp.status_code} {resp.text[:300]})"
        lines = []
        for event in resp.json().get("content", []):
            if isinstance(event, dict):
                level = event.get("level", "")
                lines.append(f"{event.get('timestamp', '')} {level} {event.get('event', '')}".strip())
                if event.get("error_detail"):
                    lines.append(str(event["error_detail"])[:3000])
            else:
                lines.append(str(event))
        return "\n".join(lines)

    def diagnose(self, dag_id: str, run_id: str) -> str:
        """Task states of a run and the logs of its failed tasks, for a readable failure."""
        out = [f"run {dag_id} {run_id}:"]
        tis = self.task_instances(dag_id, run_id)
        for ti in sorted(tis, key=lambda t: (t["task_id"], t["map_index"])):
            out.append(f"  {ti['task_id']}[{ti['map_index']}] {ti['state']} (try {ti['try_number']})")
        for ti in tis:
            if ti["state"] in ("failed", "up_for_retry"):
                out.append(f"----- log of {ti['task_id']}[{ti['map_index']}] -----")
                out.append("\n".join(self.task_log(dag_id, run_id, ti).splitlines()[-80:]))
        return "\n".join(out)
