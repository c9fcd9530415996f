"""The page's client of Airflow's REST API (ui/airflow_api.py): the API server calls itself at a configured
address, never at the request's Host header (issue 18)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SYNC = "/cleverreach/api/tenants/a/lists/1/sync"


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Recorder.seen.append((self.path, self.headers.get("Authorization", "")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        body = b'{"dag_run_id": "manual__recorded", "state": "queued"}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_airflow_api_base_url_is_configured_never_the_host_header(page, page_app, monkeypatch):
    from cleverreach.ui.airflow_api import airflow_api

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Recorder.seen.clear()
    try:
        monkeypatch.delenv("AIRFLOW__CLEVERREACH__AIRFLOW_API_URL", raising=False)
        monkeypatch.setenv("AIRFLOW__API__BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        page_app.dependency_overrides.pop(airflow_api)  # the real client, as in production
        resp = page.client.post(SYNC, json={"dry_run": True}, headers={
            "Authorization": f"Bearer {page.token('editor')}", "Host": "attacker.example"})
    finally:
        server.shutdown()
        server.server_close()
    assert resp.status_code in (200, 201, 202), resp.text
    assert [path for path, _ in _Recorder.seen] == ["/api/v2/dags/cleverreach_sync_recipients/dagRuns"]
    assert _Recorder.seen[0][1].startswith("Bearer ")


def test_airflow_api_base_url_without_configuration_is_loopback(monkeypatch):
    from cleverreach.ui.airflow_api import configured_base_url

    monkeypatch.delenv("AIRFLOW__CLEVERREACH__AIRFLOW_API_URL", raising=False)
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    monkeypatch.setenv("AIRFLOW__API__PORT", "8123")
    monkeypatch.setenv("AIRFLOW__API__HOST", "0.0.0.0")
    assert configured_base_url() == "http://127.0.0.1:8123"
    monkeypatch.setenv("AIRFLOW__API__HOST", "10.0.0.7")
    assert configured_base_url() == "http://10.0.0.7:8123"
    monkeypatch.setenv("AIRFLOW__CLEVERREACH__AIRFLOW_API_URL", "http://airflow.internal:8080/")
    assert configured_base_url() == "http://airflow.internal:8080"
