"""Provider metadata read by Airflow's providers manager (entry point ``apache_airflow_provider``).

One source for each fact: the version is ``cleverreach.__version__`` (pyproject.toml reads it too),
and the hook and operator modules are the files of ``hooks/`` and ``operators/``, listed from the
package folder without importing them (Airflow calls this in every process). The connection form
is declared here (``conn-fields``, ``ui-field-behaviour``) rather than in hook methods, because
since Airflow 3.2 the UI reads this metadata without importing the hook. Its fields are written out
(labels and help are prose) and are the extras of ``cleverreach.hooks.settings.CleverReachSettings``:
``tests/cleverreach/test_get_provider_info.py`` compares names, types, defaults and bounds with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cleverreach import __version__

PACKAGE_NAME = "airflow-provider-cleverreach"
INTEGRATION = "CleverReach"
_PACKAGE_DIR = Path(__file__).resolve().parent


def _modules(kind: str) -> list[str]:
    """``cleverreach.<kind>.<module>`` for every module file of the package's ``<kind>/`` folder."""
    return sorted(f"cleverreach.{kind}.{path.stem}" for path in (_PACKAGE_DIR / kind).glob("*.py") if path.stem != "__init__")


def _field(label: str, description: str | None = None, **schema: Any) -> dict[str, Any]:
    """One optional extra of the connection form (empty means the default); ``schema`` is JSON Schema."""
    field: dict[str, Any] = {"label": label, "schema": schema}
    if description:
        field["description"] = description
    return field


OPT_IN_POLICIES = ["confirmed", "double"]

# The extras of ``cleverreach.hooks.settings.CleverReachSettings``, in its order, with the same types,
# defaults and bounds (the test compares them with the model's JSON schema).
CONN_FIELDS: dict[str, dict[str, Any]] = {
    # transport
    "timeout": _field("HTTP timeout (seconds)", type=["number", "null"], default=60.0, exclusiveMinimum=0),
    "proxies": _field(
        "Proxies",
        'JSON object, scheme to proxy URL, e.g. {"https": "http://proxy.internal:3128"}. Empty = no proxy.',
        type=["object", "null"],
        default=None,
        additionalProperties={"type": "string"},
    ),
    "verify": _field(
        "CA bundle",
        "Path of a CA bundle for TLS; empty = the system's trust store. Verification cannot be switched off.",
        type=["string", "null"],
        default=None,
    ),
    "retry_attempts": _field(
        "Attempts per request",
        "Tries for 429, 5xx and connection errors, with exponential backoff.",
        type=["integer", "null"],
        default=6,
        minimum=1,
        maximum=20,
    ),
    "retry_initial_wait": _field(
        "First backoff (seconds)", "Doubles on each retry.", type=["number", "null"], default=0.5, minimum=0
    ),
    "retry_max_wait": _field(
        "Longest backoff (seconds)",
        "Upper bound of one backoff or Retry-After wait.",
        type=["number", "null"],
        default=60.0,
        minimum=0,
    ),
    "call_deadline": _field(
        "Deadline per API call (seconds)",
        "One call with its retries and token renewal.",
        type=["number", "null"],
        default=300.0,
        exclusiveMinimum=0,
    ),
    "max_response_bytes": _field(
        "Largest response (bytes)",
        "A CleverReach answer above this size is refused before it is read whole.",
        type=["integer", "null"],
        default=64 * 2**20,
        minimum=1024,
    ),
    # integration policy
    "ext_id_attribute": _field(
        "ext_id attribute",
        "Global attribute that carries the CRM contact id.",
        type=["string", "null"],
        default="ext_id",
        minLength=1,
        maxLength=64,
    ),
    "batch_size": _field(
        "Write batch size",
        "Receivers per upsert/delete call (at most 1000).",
        type=["integer", "null"],
        default=500,
        minimum=1,
        maximum=1000,
    ),
    "page_size": _field(
        "Read page size",
        "Receivers per page when reading a group (at most 5000).",
        type=["integer", "null"],
        default=5000,
        minimum=1,
        maximum=5000,
    ),
    "report_page_size": _field(
        "Report page size",
        "Receivers per page of a mailing report (at most 500).",
        type=["integer", "null"],
        default=100,
        minimum=1,
        maximum=500,
    ),
    "removal_mode": _field(
        "Removal mode",
        "delete: remove receivers from the group; deactivate: keep them inactive.",
        type=["string", "null"],
        default="delete",
        enum=["delete", "deactivate"],
    ),
    "mass_removal_min": _field(
        "Mass-removal guard: minimum count",
        "A sync may always remove this many receivers.",
        type=["integer", "null"],
        default=10,
        minimum=0,
    ),
    "mass_removal_share": _field(
        "Mass-removal guard: share of owned receivers",
        "A sync may remove this share of the active receivers the list owns (if more than the minimum count).",
        type=["number", "null"],
        default=0.2,
        minimum=0,
        maximum=1,
    ),
    "history_reread_days": _field(
        "Mail history: re-read window (days)",
        "Mailings finished this long before the watermark are read again for late opens and clicks.",
        type=["integer", "null"],
        default=14,
        minimum=0,
    ),
    "history_lookback_days": _field(
        "Mail history: lookback (days)",
        "How long before it was sent a mailing may have been created.",
        type=["integer", "null"],
        default=365,
        minimum=0,
    ),
    "alert_rejected_share": _field(
        "Alert: rejected share",
        "Flag a sync in which more than this share of the members is rejected.",
        type=["number", "null"],
        default=0.1,
        minimum=0,
        maximum=1,
    ),
    "alert_removal_factor": _field(
        "Alert: removal factor",
        "Flag a sync that removes more than this many times the median of the list's recent runs.",
        type=["number", "null"],
        default=3.0,
        exclusiveMinimum=0,
    ),
    "opt_in": _field(
        "Opt-in",
        "confirmed: the CRM holds the consent, receivers are created active; "
        "double: created pending until the person confirms.",
        type=["string", "null"],
        default="confirmed",
        enum=OPT_IN_POLICIES,
    ),
    "opt_in_by_group": _field(
        "Opt-in per group",
        'JSON object, CleverReach group id to "confirmed" or "double"; overrides Opt-in for that group.',
        type=["object", "null"],
        default={},
        additionalProperties={"type": "string", "enum": OPT_IN_POLICIES},
    ),
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden-fields": ["schema", "port"],
    "relabeling": {"login": "Client ID", "password": "Client secret", "host": "API root"},
    "placeholders": {
        "login": "OAuth client id of the tenant's CleverReach app",
        "password": "OAuth client secret",
        "host": "https://rest.cleverreach.com",
    },
}


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": PACKAGE_NAME,
        "name": INTEGRATION,
        "description": "CleverReach e-mail marketing (REST API v3): recipient lists, receivers and mail reports.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://rest.cleverreach.com/explorer/v3/",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": INTEGRATION, "python-modules": _modules("hooks")}],
        "operators": [{"integration-name": INTEGRATION, "python-modules": _modules("operators")}],
        "connection-types": [
            {
                "connection-type": "cleverreach",
                "hook-class-name": "cleverreach.hooks.cleverreach.CleverReachHook",
                "hook-name": INTEGRATION,
                "ui-field-behaviour": UI_FIELD_BEHAVIOUR,
                "conn-fields": CONN_FIELDS,
            }
        ],
    }
