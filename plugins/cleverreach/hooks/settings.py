"""The connection's extras as one typed, validated settings object.

Read once per hook from ``Connection.extra``. Unknown keys are refused (a typo such as ``batchsize``
would otherwise fall back to a default without a word), and so is ``verify: false``: TLS verification
is never switched off, ``verify`` only names a CA bundle. The UI's legacy spelling
``extra__cleverreach__<name>`` is accepted too; empty values (an untouched form field) mean "default".
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cleverreach.enums import OptInPolicy, RemovalMode
from cleverreach.exceptions import CleverReachConfigError

MAX_BATCH_SIZE = 1000  # CleverReach answers 413 above this
MAX_PAGE_SIZE = 5000  # group receivers
MAX_REPORT_PAGE_SIZE = 500  # report receivers: Apteco reads pages of 500; the server may clamp (paging copes)
DEFAULT_MAX_RESPONSE_BYTES = 64 * 2**20  # a page of 5,000 receivers with details is a few MB
LEGACY_PREFIX = "extra__cleverreach__"

PositiveSeconds = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]


class CleverReachSettings(BaseModel):
    """Transport and integration policy of one tenant's connection; defaults follow the API's limits."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    # transport
    timeout: PositiveSeconds = 60.0
    proxies: dict[str, str] | None = None
    verify: str | None = None  # path of a CA bundle; None = the system's trust store
    retry_attempts: Annotated[int, Field(ge=1, le=20)] = 6
    retry_initial_wait: Annotated[float, Field(ge=0)] = 0.5
    retry_max_wait: Annotated[float, Field(ge=0)] = 60.0
    call_deadline: PositiveSeconds = 300.0  # one API call, retries and token renewal included
    max_response_bytes: Annotated[int, Field(ge=1024)] = DEFAULT_MAX_RESPONSE_BYTES  # a body above it is refused

    # integration policy
    ext_id_attribute: Annotated[str, Field(min_length=1, max_length=64)] = "ext_id"
    batch_size: Annotated[int, Field(ge=1, le=MAX_BATCH_SIZE)] = 500
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = MAX_PAGE_SIZE
    report_page_size: Annotated[int, Field(ge=1, le=MAX_REPORT_PAGE_SIZE)] = 100
    removal_mode: RemovalMode = RemovalMode.DELETE
    mass_removal_min: Annotated[int, Field(ge=0)] = 10
    mass_removal_share: Share = 0.2
    history_reread_days: Annotated[int, Field(ge=0)] = 14
    history_lookback_days: Annotated[int, Field(ge=0)] = 365  # how long before sending a mailing may be created
    alert_rejected_share: Share = 0.1
    alert_removal_factor: Annotated[float, Field(gt=0)] = 3.0
    opt_in: OptInPolicy = OptInPolicy.CONFIRMED
    opt_in_by_group: dict[str, OptInPolicy] = Field(default_factory=dict)  # group id -> policy

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
