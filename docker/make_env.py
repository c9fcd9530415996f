"""Writes docker-compose.yaml's .env from .env.example with fresh random secrets; never touches an existing .env.

Standard library only (secrets, base64), run on the host before the first `docker compose up`:

    python3 docker/make_env.py            # writes .env (mode 600) when it is missing; else checks it
    python3 docker/make_env.py --check    # writes nothing: says what it would write, or what is wrong in .env

Fresh values for AIRFLOW_DB_PASSWORD, CRM_DB_PASSWORD, AIRFLOW_ADMIN_PASSWORD (32 random bytes each),
AIRFLOW_JWT_SECRET (64 random bytes) and AIRFLOW_FERNET_KEY (a Fernet key of 32 random bytes); the CRM
connection AIRFLOW_CONN_HYPERSPACE_CRM gets CRM_DB_PASSWORD as its password. Every other line is .env.example's.
Each value passes docker/check_secrets.py, which every Airflow container runs before it starts.
Exit status: 0 = .env written, or present and its secrets pass; 1 = nothing written and .env missing
(--check) or failing the check (the problems are printed, the file is left as it is).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_secrets import (  # noqa: E402  (a script, run by path: its folder is where check_secrets lives)
    CRM_CONNECTION, FERNET, JWT, PASSWORDS, SECRETS, problems, public_values, read_env_text,
)

REPO = Path(__file__).resolve().parents[1]


def fresh_secrets() -> dict[str, str]:
    """A new random value for each secret of .env."""
    values = {name: secrets.token_urlsafe(32) for name in PASSWORDS}
    values[JWT] = secrets.token_urlsafe(64)
    values[FERNET] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    return values


def render(example: str, values: dict[str, str]) -> str:
    """.env.example's text with the secrets' lines set to `values` and the CRM connection's password to
    CRM_DB_PASSWORD (the crm-db service's)."""
    lines = []
    for line in example.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            if key in values:
                line = f"{key}={values[key]}"
            elif key == CRM_CONNECTION:
                connection = json.loads(value)
                connection["password"] = values["CRM_DB_PASSWORD"]
                line = f"{key}={json.dumps(connection, separators=(',', ':'))}"
        lines.append(line)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"# Written by docker/make_env.py ({stamp}) from .env.example with fresh secrets. Keep it private:\n"
              f"# never commit it. Add a CleverReach connection per tenant below.\n")
    return header + "\n".join(lines) + "\n"


def write_new(path: Path, text: str) -> None:
    """Creates `path` readable by its owner only; fails (FileExistsError) rather than overwrite anything."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; report what would change")
    parser.add_argument("--env-file", type=Path, default=REPO / ".env")
    parser.add_argument("--example", type=Path, default=REPO / ".env.example")
    args = parser.parse_args(argv)
    public = public_values(args.example)

    if args.env_file.exists():
        found = problems(read_env_text(args.env_file.read_text(encoding="utf-8")), public)
        print(f"{args.env_file} exists and is kept as it is.")
        for line in found:
            print(f"  {line}")
        if found:
            print("  Fix these lines by hand, or move the file away and run docker/make_env.py again "
                  "(new database passwords need new database volumes: docker compose down -v).")
        return 1 if found else 0

    if args.check:
        print(f"would write {args.env_file} from {args.example} with fresh values for: {', '.join(SECRETS)} "
              f"(and the password of {CRM_CONNECTION})")
        return 1

    values = fresh_secrets()
    text = render(args.example.read_text(encoding="utf-8"), values)
    found = problems(read_env_text(text), public)
    if found:  # cannot happen with the values above; never write a .env the containers would refuse
        raise SystemExit("\n".join(found))
    write_new(args.env_file, text)
    print(f"wrote {args.env_file} (mode 600) with fresh values for: {', '.join(SECRETS)} "
          f"(and the password of {CRM_CONNECTION}); the admin login is "
          f"{read_env_text(text).get('AIRFLOW_ADMIN_USER', 'admin')} with AIRFLOW_ADMIN_PASSWORD from that file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
