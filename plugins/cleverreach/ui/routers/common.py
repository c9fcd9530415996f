"""What the routers share: the integration's refusals as HTTP errors, paging parameters, the owned list, and times
in the tenant's zone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Path, Query, status
from sqlalchemy import Engine

from cleverreach.clock import local_iso
from cleverreach.exceptions import RecipientListError, TenantNotFoundError
from cleverreach.lists.store import ListStore
from cleverreach.members.selection import SelectionError

ListId = Annotated[str, Path(min_length=1, max_length=200, description="recipient_list.id (a key: an integer or text)")]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=500)]


@contextmanager
def refusals() -> Iterator[None]:
    """Unknown tenant or list (also another tenant's list) → 404; a selection the dialog refuses → 422."""
    try:
        yield
    except (RecipientListError, TenantNotFoundError) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    except SelectionError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


def owned_list(engine: Engine, tenant_id: str, list_id: str) -> dict[str, Any]:
    """The list if the tenant owns it (the one ownership check, ``ListStore.owned_list``), else 404."""
    with refusals():
        return ListStore(engine).owned_list(tenant_id, list_id)


def in_zone(rows: list[dict[str, Any]], tz: ZoneInfo, *fields: str) -> list[dict[str, Any]]:
    """Rows with their stored UTC times as ISO 8601 in the tenant's zone (with the offset, so nothing is lost)."""
    return [{**row, **{f: local_iso(row[f], tz) for f in fields if f in row}} for row in rows]


def zoned(row: dict[str, Any], tz: ZoneInfo, *fields: str) -> dict[str, Any]:
    """One row in the tenant's zone, naming the zone (``time_zone``) so the page labels each time with it."""
    return {**in_zone([row], tz, *fields)[0], "time_zone": tz.key}


def tenant_zone(engine: Engine, tenant_id: str) -> ZoneInfo:
    """The zone the tenant's people read times in (the CRM's ``tenant.time_zone``, default Europe/Berlin)."""
    from cleverreach.tenants.store import TenantStore

    return TenantStore(engine).zone(tenant_id)
