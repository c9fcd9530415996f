"""The container engine of the compose test: podman with runc behind Docker's API, for Debian's docker-compose.

Everything here exists because of this machine (``docker/standin/containers.conf`` says why): podman runs with
that configuration (``CONTAINERS_CONF``), its Docker-compatible socket is a process of the test, healthchecks
are run by :class:`HealthChecks` (podman schedules them with systemd timers, and no systemd runs here), and the
network settings podman changes (``net.ipv4.ip_forward``, nftables rules, bridge interfaces) are put back as
they were found (:class:`NetworkSettings`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONTAINERS_CONF = REPO / "docker" / "standin" / "containers.conf"
# what .ci/run installs (Debian bookworm)
ENGINE_PACKAGES = ("podman", "runc", "netavark", "aardvark-dns", "containernetworking-plugins", "iptables",
                   "nftables", "uidmap", "slirp4netns", "fuse-overlayfs", "catatonit", "buildah", "mmdebstrap",
                   "docker-compose")
COMMANDS = ("podman", "runc", "docker-compose", "mmdebstrap", "nft")
IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")


def missing_engine() -> str | None:
    """Why the engine cannot run here (``None``: it can)."""
    absent = [c for c in COMMANDS if not shutil.which(c)]
    if absent:
        return f"{', '.join(absent)} not installed (.ci/run installs: apt-get install {' '.join(ENGINE_PACKAGES)})"
    if os.geteuid() != 0:
        return "the compose test runs podman as root (rootful networks, mmdebstrap)"
    return None


def engine_environment() -> dict[str, str]:
    """The environment of every podman call: the machine's settings from CONTAINERS_CONF."""
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman(*args: str, check: bool = True, timeout: float = 600, capture: bool = True) -> subprocess.CompletedProcess:
    """One podman command; its output in the error when it fails."""
    proc = subprocess.run(["podman", *args], env=engine_environment(), capture_output=capture, text=True,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


# ------------------------------------------------------------------------------------------ the Docker API socket
def _die_with_parent() -> None:
    """PR_SET_PDEATHSIG: the service ends with the test process, even when that one is killed."""
    import ctypes
    import signal

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class PodmanService:
    """``podman system service`` on a socket of the test's own, the Docker API that docker-compose talks to."""

    def __init__(self, directory: Path) -> None:
        self.socket = directory / "podman.sock"
        self.log = directory / "podman-service.log"
        self.popen: subprocess.Popen | None = None

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(["podman", "system", "service", "--time=0", self.docker_host],
                                          env=engine_environment(), stdout=log, stderr=subprocess.STDOUT,
                                          preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 30
        while not self.socket.exists():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"podman system service did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self.socket.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------ healthchecks
class HealthChecks(threading.Thread):
    """Runs the healthchecks of a compose project's containers (``podman healthcheck run``), which podman
    leaves to systemd timers: every ``starting_interval`` s while a container is starting or unhealthy, every
    ``interval`` s once it is healthy (the compose file's 30 s). The check commands are the compose file's."""

    def __init__(self, project: str, interval: float = 30, starting_interval: float = 3) -> None:
        super().__init__(name=f"healthchecks-{project}", daemon=True)
        self.project, self.interval, self.starting_interval = project, interval, starting_interval
        self.stopping = threading.Event()
        self.last: dict[str, float] = {}

    def containers(self) -> list[dict]:
        proc = podman("ps", "--filter", f"label=com.docker.compose.project={self.project}", "--format", "json",
                      check=False, timeout=60)
        return json.loads(proc.stdout or "[]") if proc.returncode == 0 else []

    def run(self) -> None:
        while not self.stopping.wait(1):
            try:
                self.run_due()
            except subprocess.TimeoutExpired as exc:
                # a podman call that hangs on a loaded machine (seen: `healthcheck run` over 60 s while the stack
                # starts) must not end the thread: no check would run again, and `up` would wait for ever
                print(f"healthchecks: {exc}; going on")

    def run_due(self) -> None:
        """One round: the checks that are due."""
        now = time.monotonic()
        for ctr in self.containers():
            status = ctr.get("Status", "")
            if "(" not in status:  # no healthcheck
                continue
            every = self.interval if "(healthy)" in status else self.starting_interval
            if now - self.last.get(ctr["Id"], 0) >= every and not self.stopping.is_set():
                self.last[ctr["Id"]] = now
                podman("healthcheck", "run", ctr["Id"], check=False, timeout=60)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=90)


# ------------------------------------------------------------------------------------------ network settings
def _links() -> set[str]:
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True).stdout
    return {line.split(":", 2)[1].strip().split("@")[0] for line in out.splitlines() if line.strip()}


def _ruleset() -> str:
    return subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True, check=True).stdout


def _rules(ruleset: str) -> str:
    """The ruleset without its packet counters, which change with every packet."""
    return re.sub(r"counter packets \d+ bytes \d+", "counter", ruleset)


@dataclass
class NetworkSettings:
    """What podman's networking changes on the machine, as found before the stack came up."""

    ip_forward: str
    ruleset: str
    links: set[str] = field(default_factory=set)

    @classmethod
    def take(cls) -> NetworkSettings:
        return cls(IP_FORWARD.read_text().strip(), _ruleset(), _links())

    def differences(self) -> list[str]:
        now = NetworkSettings.take()
        out = []
        if now.ip_forward != self.ip_forward:
            out.append(f"net.ipv4.ip_forward {self.ip_forward} -> {now.ip_forward}")
        if _rules(now.ruleset) != _rules(self.ruleset):
            out.append("nftables ruleset changed")
        out += [f"new interface {name}" for name in sorted(now.links - self.links)]
        return out

    def restore(self) -> list[str]:
        """Put back what differs (only interfaces podman makes: podman*, veth*); returns what was restored."""
        changed = self.differences()
        if not changed:
            return []
        if IP_FORWARD.read_text().strip() != self.ip_forward:
            IP_FORWARD.write_text(self.ip_forward + "\n")
        if _rules(_ruleset()) != _rules(self.ruleset):
            subprocess.run(["nft", "flush", "ruleset"], check=True)
            if self.ruleset.strip():
                subprocess.run(["nft", "-f", "-"], input=self.ruleset, text=True, check=True)
        for name in _links() - self.links:
            if name.startswith(("podman", "veth")):
                subprocess.run(["ip", "link", "delete", name], check=False)
        return changed


# ------------------------------------------------------------------------------------------ leftovers
def project_leftovers(project: str) -> list[str]:
    """Containers, volumes, networks and pods of the project, and container mounts, still on the machine."""
    out = []
    label = f"label=com.docker.compose.project={project}"
    for kind, args in (("container", ["ps", "-a", "--filter", label, "--format", "{{.Names}}"]),
                       ("volume", ["volume", "ls", "--filter", label, "--format", "{{.Name}}"]),
                       ("network", ["network", "ls", "--filter", label, "--format", "{{.Name}}"])):
        names = podman(*args, check=False).stdout.split()
        out += [f"{kind} {name}" for name in names]
    mounts = Path("/proc/mounts").read_text().splitlines()
    out += [f"mount {line.split()[1]}" for line in mounts
            if "/var/lib/containers/storage/overlay" in line or "/run/containers/storage" in line
            or "/var/lib/containers/storage/volumes" in line]
    # conmon watches a container; a zombie (Z, exited and not yet reaped by pid 1) runs nothing
    procs = subprocess.run(["ps", "-eo", "pid=,stat=,comm="], capture_output=True, text=True, check=True).stdout
    out += [f"process {line.strip()}" for line in procs.splitlines()
            if line.split()[2:] == ["conmon"] and not line.split()[1].startswith("Z")]
    return out
