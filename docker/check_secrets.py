"""Refuses to start an Airflow container of docker-compose.yaml with a public, placeholder or weak secret.

Run first by docker/entrypoint.sh (every Airflow container) and docker/airflow-init.sh; standard library only
(it runs before anything else, in the image's Python, and on the host through docker/make_env.py).

The rule, per secret (the variable names of .env):
  - not empty;
  - not equal to any value of .env.example (the file is public: its values are known to everyone);
  - no placeholder (CHANGE-ME, changeme, replace-me, placeholder, <...>, ...);
  - passwords (AIRFLOW_DB_PASSWORD, CRM_DB_PASSWORD, AIRFLOW_ADMIN_PASSWORD): at least 16 characters, of at
    least 8 different ones; AIRFLOW_DB_PASSWORD only of A-Z a-z 0-9 . _ ~ - (it stands unquoted in the
    metadata DB's URL);
  - AIRFLOW_JWT_SECRET: at least 64 characters (HS512 signs with a 512-bit key), of at least 16 different ones;
  - AIRFLOW_FERNET_KEY: a Fernet key, i.e. the URL-safe base64 of 32 bytes (44 characters);
  - and AIRFLOW_CONN_HYPERSPACE_CRM holds no placeholder (its password is the CRM database's).
Every value this project's generator writes (docker/make_env.py) passes. In a container the effective values
are checked: the JWT secret and Fernet key as Airflow reads them (AIRFLOW__API_AUTH__JWT_SECRET,
AIRFLOW__CORE__FERNET_KEY), the passwords as .env hands them to every container (env_file).

    python check_secrets.py                  # the process environment; exit 1 and one line per problem
    python check_secrets.py --env-file .env  # a .env file instead
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# where .env.example is: the repository (docker/../.env.example) or the image (Dockerfile copies it here)
EXAMPLE_CANDIDATES = (HERE.parent / ".env.example", HERE / "env.example")

PASSWORDS = ("AIRFLOW_DB_PASSWORD", "CRM_DB_PASSWORD", "AIRFLOW_ADMIN_PASSWORD")
JWT = "AIRFLOW_JWT_SECRET"
FERNET = "AIRFLOW_FERNET_KEY"
SECRETS = (*PASSWORDS, JWT, FERNET)
CRM_CONNECTION = "AIRFLOW_CONN_HYPERSPACE_CRM"  # must hold no placeholder either
# the variable Airflow reads, inside a container, for a .env name (docker-compose.yaml x-airflow-common)
EFFECTIVE = {JWT: "AIRFLOW__API_AUTH__JWT_SECRET", FERNET: "AIRFLOW__CORE__FERNET_KEY"}

MIN_PASSWORD, MIN_PASSWORD_DISTINCT = 16, 8
MIN_JWT, MIN_JWT_DISTINCT = 64, 16
URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]+$")
PLACEHOLDER = re.compile(r"change[-_ .]?me|replace[-_ .]?me|placeholder|<[^>]*>|\.\.\.", re.IGNORECASE)

HOW = {
    "password": 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"',
    JWT: 'python3 -c "import secrets; print(secrets.token_urlsafe(64))"',
    FERNET: 'python3 -c "import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"',
}


def read_env_text(text: str) -> dict[str, str]:
    """KEY=VALUE lines as Compose reads .env (no quotes, no export; comments and blank lines skipped)."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def public_values(example: Path | None = None) -> set[str]:
    """Every value .env.example publishes, the passwords inside its JSON connections included."""
    path = example or next((p for p in EXAMPLE_CANDIDATES if p.is_file()), None)
    if path is None:
        return set()
    found = set()
    for value in read_env_text(path.read_text(encoding="utf-8")).values():
        found.add(value)
        if value.startswith("{"):
            try:
                password = json.loads(value).get("password")
            except (ValueError, AttributeError):
                password = None
            if password:
                found.add(str(password))
    found.discard("")
    return found


def is_fernet_key(value: str) -> bool:
    """Fernet's own test: the URL-safe base64 of exactly 32 bytes."""
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32 and len(value) == 44
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False


def problem(name: str, value: str | None, public: set[str]) -> str | None:
    """Why `value` may not be the secret `name`, or None when it may."""
    how = HOW.get(name, HOW["password"])
    fix = f"run `python3 docker/make_env.py` for a new .env, or set {name} in .env to the output of: {how}"
    if not value:
        return f"{name} is empty; {fix}"
    if value in public:
        return f"{name} is a value of .env.example, which is public; {fix}"
    if PLACEHOLDER.search(value):
        return f"{name} holds a placeholder; {fix}"
    if name == FERNET:
        return None if is_fernet_key(value) else f"{name} is not a Fernet key (URL-safe base64 of 32 bytes); {fix}"
    least, distinct = (MIN_JWT, MIN_JWT_DISTINCT) if name == JWT else (MIN_PASSWORD, MIN_PASSWORD_DISTINCT)
    if len(value) < least or len(set(value)) < distinct:
        return f"{name} is too weak (at least {least} characters, {distinct} different ones); {fix}"
    if name == "AIRFLOW_DB_PASSWORD" and not URL_SAFE.match(value):
        return f"{name} may hold only A-Z a-z 0-9 . _ ~ - (it stands in the database URL); {fix}"
    return None


def problems(values: dict[str, str], public: set[str] | None = None) -> list[str]:
    """One line per refused secret of `values` (a .env's names, or a container's environment)."""
    public = public_values() if public is None else public
    found = []
    for name in SECRETS:
        value = values.get(EFFECTIVE.get(name, ""), values.get(name))
        reason = problem(name, value, public)
        if reason:
            found.append(reason)
    crm = values.get(CRM_CONNECTION, "")
    if PLACEHOLDER.search(crm):
        found.append(f"{CRM_CONNECTION} holds a placeholder: give it the CRM database's password "
                     f"(with the crm-db service: CRM_DB_PASSWORD); docker/make_env.py does")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", type=Path, help="check this .env instead of the process environment")
    args = parser.parse_args(argv)
    values = read_env_text(args.env_file.read_text(encoding="utf-8")) if args.env_file else dict(os.environ)
    found = problems(values)
    for line in found:
        print(f"refusing to start: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
