"""The page's request bodies: every field checked before anything is read or written (422 otherwise).

Bodies refuse unknown fields, so a typo is an error rather than a silently ignored filter.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

from cleverreach.crm.keys import as_key
from cleverreach.members.selection import LETTERS

MAX_IDS = 10_000  # ids per action (= dag_defaults.MAX_KEYS): the run's conf stays small; else filters
MAX_ERASURE_ITEMS = 1000  # contact ids, and addresses, per erasure request

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
FilterText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
TenantText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                              pattern=r"^[A-Za-z0-9_.\-]+$")]
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"  # ISO 639 code, optional region: de, en, fr-CH
def _key(value: Any) -> Any:
    """A key from a request: an integer or text, as text (``as_key``); anything else fails validation."""
    if isinstance(value, bool) or not isinstance(value, int | str) or (isinstance(value, int) and value < 1):
        raise ValueError("a key is a positive integer or text")
    return as_key(value)


ContactId = Annotated[str, BeforeValidator(_key), Field(min_length=1, max_length=200)]
"""A contact's key: an integer or text, held as text (cleverreach.crm.keys)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListEdit(Strict):
    """The list's local name and short description (the default language)."""

    name: Name
    short_description: Description | None = None

    @field_validator("short_description")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class TranslationEdit(ListEdit):
    """One language's name and short description (the ``Sprachen`` tab)."""


class Filters(Strict):
    """The "add recipients" dialog's filters (AND); at least one is required."""

    letter: str | None = Field(None, description="A–Z or 0-9: initial letter of the address name")
    tag: FilterText | None = None
    category: FilterText | None = None
    sales_process: FilterText | None = None
    search: FilterText | None = None
    contact_ids: list[ContactId] = Field(default_factory=list, max_length=MAX_IDS)

    @field_validator("letter")
    @classmethod
    def _letter(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        letter = value.strip().upper()
        if letter not in LETTERS:
            raise ValueError(f"letter must be one of A–Z or 0-9, got {value!r}")
        return letter

    @field_validator("tag", "category", "sales_process", "search")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _one_filter(self) -> Filters:
        if not any((self.letter, self.tag, self.category, self.sales_process, self.search, self.contact_ids)):
            raise ValueError("choose at least one filter: letter, tag, category, sales process, search or contact ids")
        return self

    def params(self) -> dict[str, object]:
        """The filters as ``cleverreach_manage_members`` params (empty ones left out)."""
        found: dict[str, object] = {k: v for k, v in self.model_dump().items() if v not in (None, [])}
        return found


class MemberRemoval(Strict):
    """Members picked in the table (contact ids)."""

    contact_ids: list[ContactId] = Field(min_length=1, max_length=MAX_IDS)


class SyncRequest(Strict):
    dry_run: bool = Field(True, description="plan only (stored in sync_run/sync_change), or apply")
    full_reconcile: bool = Field(False, description="read the whole group even where a changes-only sync is allowed")


class Approval(Strict):
    """Approve a plan the mass-removal guard blocked: names the blocked run, so nobody approves blind."""

    sync_run_id: int = Field(ge=1)


class Grant(Strict):
    username: Username
    tenant_id: TenantText


class TenantRename(Strict):
    """A rename of the tenant id in the path (the old one) to ``new_tenant_id``; ``confirm`` repeats the old id."""

    new_tenant_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    confirm: str = Field(min_length=1, max_length=100)


class TenantMove(Strict):
    """A move of the tenant in the path to the CleverReach account its connection now logs into."""

    confirm: str = Field(min_length=1, max_length=100)


EmailText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]


class ErasureCreate(Strict):
    """A data-subject erasure: contact ids of the tenant and/or e-mail addresses (at least one); stored in the
    private state, never sent to Airflow (cleverreach.erasure.request_store)."""

    contact_ids: list[ContactId] = Field(default_factory=list, max_length=MAX_ERASURE_ITEMS)
    emails: list[EmailText] = Field(default_factory=list, max_length=MAX_ERASURE_ITEMS)

    @model_validator(mode="after")
    def _one_item(self) -> ErasureCreate:
        if not self.contact_ids and not self.emails:
            raise ValueError("name at least one contact id or e-mail address to erase")
        return self
