"""Provider metadata read by Airflow's providers manager (entry point ``apache_airflow_provider``).

The connection form is declared here (``conn-fields`` and ``ui-field-behaviour``) rather than in
hook methods: since Airflow 3.2 the UI reads this metadata without importing the hook.
"""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-provider-cleverreach",
        "name": "CleverReach",
        "description": "CleverReach e-mail marketing (REST API v3): recipient lists, receivers and mail reports.",
        "versions": ["0.1.0"],
        "integrations": [
            {
                "integration-name": "CleverReach",
                "external-doc-url": "https://rest.cleverreach.com/explorer/v3/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "CleverReach",
                "python-modules": ["cleverreach.hooks.cleverreach", "cleverreach.hooks.crm"],
            }
        ],
        "operators": [
            {
                "integration-name": "CleverReach",
                "python-modules": ["cleverreach.operators.import_lists"],
            }
        ],
        "connection-types": [
            {
                "connection-type": "cleverreach",
                "hook-class-name": "cleverreach.hooks.cleverreach.CleverReachHook",
                "hook-name": "CleverReach",
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port"],
                    "relabeling": {
                        "login": "Client ID",
                        "password": "Client secret",
                        "host": "API root",
                    },
                    "placeholders": {
                        "login": "OAuth client id of the tenant's CleverReach app",
                        "password": "OAuth client secret",
                        "host": "https://rest.cleverreach.com",
                    },
                },
                "conn-fields": {
                    "ext_id_attribute": {
                        "label": "ext_id attribute",
                        "description": "Global attribute that carries the CRM contact id (default ext_id).",
                        "schema": {"type": ["string", "null"], "default": "ext_id"},
                    },
                    "timeout": {
                        "label": "HTTP timeout (seconds)",
                        "schema": {"type": ["number", "null"], "default": 60},
                    },
                    "batch_size": {
                        "label": "Write batch size",
                        "description": "Receivers per upsert/delete call (at most 1000).",
                        "schema": {"type": ["integer", "null"], "default": 1000, "minimum": 1, "maximum": 1000},
                    },
                    "page_size": {
                        "label": "Read page size",
                        "description": "Receivers per page when reading a group (at most 5000).",
                        "schema": {"type": ["integer", "null"], "default": 5000, "minimum": 1, "maximum": 5000},
                    },
                    "removal_mode": {
                        "label": "Removal mode",
                        "description": "delete: remove receivers from the group; deactivate: keep them inactive.",
                        "schema": {"type": ["string", "null"], "default": "delete", "enum": ["delete", "deactivate"]},
                    },
                    "mass_removal_min": {
                        "label": "Mass-removal guard: minimum count",
                        "schema": {"type": ["integer", "null"], "default": 10, "minimum": 0},
                    },
                    "retry_attempts": {
                        "label": "Attempts per request",
                        "description": "Tries for 429, 5xx and connection errors, with exponential backoff.",
                        "schema": {"type": ["integer", "null"], "default": 6, "minimum": 1, "maximum": 20},
                    },
                    "retry_initial_wait": {
                        "label": "First backoff (seconds)",
                        "schema": {"type": ["number", "null"], "default": 0.5, "minimum": 0},
                    },
                    "history_reread_days": {
                        "label": "Mail history: re-read window (days)",
                        "description": "Mailings finished this long before the watermark are read again for late opens and clicks.",
                        "schema": {"type": ["integer", "null"], "default": 14, "minimum": 0},
                    },
                    "mass_removal_share": {
                        "label": "Mass-removal guard: share of owned receivers",
                        "schema": {"type": ["number", "null"], "default": 0.2, "minimum": 0, "maximum": 1},
                    },
                },
            }
        ],
    }
