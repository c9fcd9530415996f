"""The connection's extras as one typed, validated settings object.

Read once per hook from ``Connection.extra``. Unknown keys are refused (a typo such as ``batchsize``
would otherwise fall back to a default without a word), and so is ``verify: false``: TLS verification
is never switched off, ``verify`` only names a CA bundle. The UI's legacy spelling
``extra__cleverreach__<name>`` is accepted too; empty values (an untouched form field) mean "default".
Each field's ``title`` and ``description`` are the connection form's label and help text:
``cleverreach.hooks.form`` builds the form from this model, so an extra is declared here and nowhere else.
Airflow calls ``get_provider_info`` (and so imports this module) while it initialises itself, so nothing
from Airflow is imported here at module level: ``cleverreach.exceptions`` is imported where it is raised.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cleverreach.enums import OptInPolicy, RemovalMode

MAX_BATCH_SIZE = 1000  # CleverReach answers 413 above this
MAX_PAGE_SIZE = 5000  # group receivers
MAX_REPORT_PAGE_SIZE = 5000  # report receivers: asked for; the server's clamp (about 100) or refusal is learned
DEFAULT_MAX_RESPONSE_BYTES = 64 * 2**20  # a page of 5,000 receivers with details is a few MB
LEGACY_PREFIX = "extra__cleverreach__"

PositiveSeconds = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]


class CleverReachSettings(BaseModel):
    """Transport and integration policy of one tenant's connection; defaults follow the API's limits."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    # transport
    timeout: PositiveSeconds = Field(60.0, title="HTTP timeout (seconds)")
    proxies: dict[str, str] | None = Field(
        None,
        title="Proxies",
        description='JSON object, scheme to proxy URL, e.g. {"https": "http://proxy.internal:3128"}. Empty = no proxy.',
    )
    verify: str | None = Field(  # path of a CA bundle; None = the system's trust store
        None,
        title="CA bundle",
        description="Path of a CA bundle for TLS; empty = the system's trust store. Verification cannot be switched off.",
    )
    retry_attempts: Annotated[int, Field(ge=1, le=20)] = Field(
        6, title="Attempts per request", description="Tries for 429, 5xx and connection errors, with exponential backoff."
    )
    retry_initial_wait: Annotated[float, Field(ge=0)] = Field(
        0.5, title="First backoff (seconds)", description="Doubles on each retry."
    )
    retry_max_wait: Annotated[float, Field(ge=0)] = Field(
        60.0, title="Longest backoff (seconds)", description="Upper bound of one backoff or Retry-After wait."
    )
    call_deadline: PositiveSeconds = Field(  # one API call, retries and token renewal included
        300.0, title="Deadline per API call (seconds)", description="One call with its retries and token renewal."
    )
    max_response_bytes: Annotated[int, Field(ge=1024)] = Field(  # a body above it is refused
        DEFAULT_MAX_RESPONSE_BYTES,
        title="Largest response (bytes)",
        description="A CleverReach answer above this size is refused before it is read whole.",
    )

    # integration policy
    ext_id_attribute: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        "ext_id", title="ext_id attribute", description="Global attribute that carries the CRM contact id."
    )
    batch_size: Annotated[int, Field(ge=1, le=MAX_BATCH_SIZE)] = Field(
        500, title="Write batch size", description=f"Receivers per upsert/delete call (at most {MAX_BATCH_SIZE})."
    )
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = Field(
        MAX_PAGE_SIZE,
        title="Read page size",
        description=f"Receivers per page when reading a group (at most {MAX_PAGE_SIZE}).",
    )
    report_page_size: Annotated[int, Field(ge=1, le=MAX_REPORT_PAGE_SIZE)] = Field(
        MAX_REPORT_PAGE_SIZE,
        title="Report page size",
        description=f"Receivers asked for per page of a mailing report (at most {MAX_REPORT_PAGE_SIZE}); "
        "a server that serves fewer or refuses the size is followed, losing nothing.",
    )
    removal_mode: RemovalMode = Field(
        RemovalMode.DELETE,
        title="Removal mode",
        description="delete: remove receivers from the group; deactivate: keep them inactive.",
    )
    mass_removal_min: Annotated[int, Field(ge=0)] = Field(
        10, title="Mass-removal guard: minimum count", description="A sync may always remove this many receivers."
    )
    mass_removal_share: Share = Field(
        0.2,
        title="Mass-removal guard: share of owned receivers",
        description="A sync may remove this share of the active receivers the list owns (if more than the minimum count).",
    )
    reconcile_hours: Annotated[int, Field(ge=0)] = Field(
        0,
        title="Full reconciliation every (hours)",
        description="0: every sync reads the whole group. More: a sync reads only the receivers of the contacts "
        "that changed since the last run while the list's last full reconciliation is younger than this.",
    )
    changes_limit: Annotated[int, Field(ge=0)] = Field(
        10_000,
        title="Changes-only sync: most contacts",
        description="A sync with more changed contacts than this reads the whole group instead.",
    )
    history_reread_days: Annotated[int, Field(ge=0)] = Field(
        14,
        title="Mail history: re-read window (days)",
        description="Mailings finished this long before the watermark are read again for late opens and clicks.",
    )
    history_lookback_days: Annotated[int, Field(ge=0)] = Field(
        365,
        title="Mail history: lookback (days)",
        description="How long before it was sent a mailing may have been created.",
    )
    alert_rejected_share: Share = Field(
        0.1,
        title="Alert: rejected share",
        description="Flag a sync in which more than this share of the members is rejected.",
    )
    alert_removal_factor: Annotated[float, Field(gt=0)] = Field(
        3.0,
        title="Alert: removal factor",
        description="Flag a sync that removes more than this many times the median of the list's recent runs.",
    )
    opt_in: OptInPolicy = Field(
        OptInPolicy.CONFIRMED,
        title="Opt-in",
        description="confirmed: the CRM holds the consent, receivers are created active; "
        "double: created pending until the person confirms.",
    )
    opt_in_by_group: dict[str, OptInPolicy] = Field(  # group id -> policy
        default_factory=dict,
        title="Opt-in per group",
        description='JSON object, CleverReach group id to "confirmed" or "double"; overrides Opt-in for that group.',
    )

    @field_validator("ext_id_attribute", mode="before")
    @classmethod
    def _normalise_attribute(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("proxies", "opt_in_by_group", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        """The UI's extra fields may store an object as its JSON text."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError("must be a JSON object") from None
        if isinstance(value, dict):
            return {str(key): item for key, item in value.items()}
        return value

    @field_validator("verify", mode="before")
    @classmethod
    def _ca_bundle_only(cls, value: Any) -> Any:
        if value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes")):
            return None
        if value is False or (isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off")):
            raise ValueError(
                "TLS verification cannot be switched off; give the path of a CA bundle, or leave it empty"
            )
        return value

    def opt_in_for(self, group_id: str | int) -> OptInPolicy:
        """The opt-in policy of one group: its override, else the tenant's."""
        return self.opt_in_by_group.get(str(group_id), self.opt_in)

    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.model_fields)

    @classmethod
    def from_extras(cls, extras: dict[str, Any] | None, *, conn_id: str | None = None) -> CleverReachSettings:
        """Validate a connection's extras; every problem is one :class:`CleverReachConfigError`."""
        from cleverreach.exceptions import CleverReachConfigError  # noqa: PLC0415 - imports Airflow: see the module text

        where = f"connection {conn_id!r}" if conn_id else "the CleverReach connection"
        values: dict[str, Any] = {}
        unknown: list[str] = []
        for key, value in (extras or {}).items():
            name = key[len(LEGACY_PREFIX) :] if key.startswith(LEGACY_PREFIX) else key
            if name not in cls.model_fields:
                unknown.append(key)
            elif value not in (None, "") and (name not in values or key == name):  # the plain spelling wins
                values[name] = value
        if unknown:
            raise CleverReachConfigError(
                f"{where}: unknown extra {', '.join(repr(k) for k in sorted(unknown))}; "
                f"valid extras: {', '.join(cls.field_names())}"
            )
        try:
            return cls(**values)
        except ValidationError as exc:  # never echo the values: proxies may carry credentials
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            raise CleverReachConfigError(f"{where}: invalid extras: {problems}") from None
