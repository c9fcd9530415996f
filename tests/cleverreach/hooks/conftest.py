"""Fixtures of the hook tests: a seeded emulator account, hooks on it, and a wire recorder.

The recorder is a small HTTP(S) server in front of the emulator that keeps every request as it was
sent (headers and body included, which the emulator's own log leaves out). It also serves as an HTTP
proxy (absolute-form request lines), so the ``proxies`` extra can be seen reaching the wire.
"""

from __future__ import annotations

import datetime
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from helpers.connections import set_cleverreach_connection

from cleverreach.hooks.cleverreach import CleverReachHook

CLIENT_ID, SECRET = "acme-client", "acme-secret-0123456789"
FAST = {"retry_initial_wait": 0.01, "retry_max_wait": 0.2}


def seed(receivers: int = 0) -> dict:
    return {
        "accounts": [
            {
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "name": "ACME",
                "attributes": [{"name": "ext_id", "type": "text"}],
                "groups": [
                    {
                        "id": "1001",
                        "name": "Newsletter",
                        "receivers": [{"email": f"r{i:03d}@example.org"} for i in range(receivers)],
                    }
                ],
            },
            {"client_id": "other-client", "client_secret": "other-secret-xyz", "groups": [{"id": "2001", "name": "Other"}]},
        ]
    }


@pytest.fixture
def connect(emulator, monkeypatch):
    """Build a hook on a ``cleverreach`` connection (default: the emulator, fast retries)."""

    def build(conn_id: str = "cleverreach_acme", *, url: str | None = None, secret: str = SECRET, **extra) -> CleverReachHook:
        set_cleverreach_connection(monkeypatch, conn_id, url or emulator.url, CLIENT_ID, secret, **{**FAST, **extra})
        return CleverReachHook(conn_id)

    return build


@pytest.fixture
def hook(emulator, connect) -> CleverReachHook:
    emulator.client.reset(seed(12))
    return connect()


@dataclass
class Recorded:
    method: str
    target: str  # the request line's target: a path, or an absolute URL when sent to a proxy
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def via_proxy(self) -> bool:
        return "://" in self.target


@dataclass
class WireRecorder:
    upstream: str
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    def everything_sent(self, recorded: Recorded) -> str:
        return f"{recorded.target}\n{recorded.headers}\n{recorded.body.decode('latin-1')}"


def _handler(recorder: WireRecorder) -> type[BaseHTTPRequestHandler]:
    upstream = requests.Session()
    upstream.trust_env = False

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep pytest's output clean
            pass

        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            recorder.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body))
            parts = urlsplit(self.path)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "proxy-connection")}
            answer = upstream.request(self.command, recorder.upstream + target, headers=headers, data=body)
            self.send_response(answer.status_code)
            for name in ("Content-Type", "Retry-After"):
                if name in answer.headers:
                    self.send_header(name, answer.headers[name])
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = do_DELETE = _forward

    return Forward


def _serve(recorder: WireRecorder, tls: ssl.SSLContext | None = None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    recorder.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def wire(emulator):
    """A plain-HTTP recorder (and proxy) in front of the emulator."""
    recorder = WireRecorder(emulator.url)
    server = _serve(recorder)
    yield recorder
    server.shutdown()
    server.server_close()


def _tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hook test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture
def tls_wire(emulator, tmp_path):
    """An HTTPS recorder in front of the emulator, with a certificate of a private CA; yields (recorder, ca path)."""
    ca, cert, key = _tls_files(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    recorder = WireRecorder(emulator.url)
    server = _serve(recorder, context)
    yield recorder, ca
    server.shutdown()
    server.server_close()
