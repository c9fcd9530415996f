"""Command line: ``python -m cleverreach_emulator --seed seed.json --host 127.0.0.1 --port 8765``
(also installed as ``cleverreach-emulator``).

Prints the base URL on stdout (one line) once the socket listens; Ctrl-C stops it cleanly.
Without ``--seed`` a small demo seed (client ``demo-client`` / ``demo-secret``) is loaded.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

import uvicorn

from .app import create_app
from .seed import SeedError, example_seed, load_seed
from .settings import EmulatorSettings
from .state import State


def _setting_value(name: str, text: str) -> Any:
    """The command line's text as the type of the setting's default (``deleted_group_response=404``
    stays a string); validation is left to :meth:`EmulatorSettings.updated`."""
    default = getattr(EmulatorSettings(), name, None)
    if isinstance(default, bool):
        return text.lower() in ("1", "true", "yes")
    if isinstance(default, int) and text.lstrip("-").isdigit():
        return int(text)
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            return text
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cleverreach_emulator",
                                description="CleverReach REST API v3 emulator")
    p.add_argument("--seed", help="seed JSON file (default: a small demo seed)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 = pick a free port")
    p.add_argument("--batch-limit", type=int)
    p.add_argument("--max-pagesize", type=int)
    p.add_argument("--report-max-pagesize", type=int)
    p.add_argument("--report-pagesize-policy", choices=["clamp", "reject"])
    p.add_argument("--token-ttl", type=int)
    p.add_argument("--stats-cache-ttl", type=int)
    p.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                   help="any EmulatorSettings field, e.g. delete_by=id_or_email or receivers_page_clamp=25 "
                        "(repeatable; see VARIANTS in cleverreach_emulator.settings)")
    p.add_argument("--log-level", default="warning")
    args = p.parse_args(argv)

    settings = {k: v for k, v in {
        "batch_limit": args.batch_limit, "max_pagesize": args.max_pagesize,
        "report_max_pagesize": args.report_max_pagesize,
        "report_pagesize_policy": args.report_pagesize_policy, "token_ttl": args.token_ttl,
        "stats_cache_ttl": args.stats_cache_ttl}.items() if v is not None}
    for item in args.setting:
        name, sep, value = item.partition("=")
        if not sep:
            p.error(f"--setting {item!r}: expected NAME=VALUE")
        settings[name.strip()] = _setting_value(name.strip(), value.strip())
    try:
        seed = load_seed(args.seed) if args.seed else example_seed()
        state = State(settings, seed)
    except (SeedError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # command line settings win over the seed's settings
    state.base_settings = state.settings.updated(settings)
    state.settings = state.base_settings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"error: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    sock.listen(2048)
    port = sock.getsockname()[1]
    url = f"http://{args.host}:{port}"
    print(url, flush=True)
    print(f"CleverReach emulator listening on {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    config = uvicorn.Config(create_app(state), log_level=args.log_level, access_log=False,
                            lifespan="off", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("CleverReach emulator stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
