"""The actual state: a group's receivers as a frame, built page by page without keeping the JSON."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from cleverreach.sync.fields import ATTRIBUTES
from cleverreach.sync.keys import email_keys

ACTUAL_COLUMNS = ["receiver_id", "email", "email_key", "ext_id", "activated", "deactivated", "bounced", *ATTRIBUTES]


def _int(value: object) -> int:
    try:
        return int(value or 0)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def receivers_frame(pages: Iterable[list[dict]], ext_id_attribute: str = "ext_id") -> pd.DataFrame:
    """Columns of ``ACTUAL_COLUMNS`` from pages of receiver objects (``global_attributes`` inside)."""
    columns: dict[str, list] = {name: [] for name in ACTUAL_COLUMNS if name != "email_key"}
    for page in pages:
        for receiver in page:
            attrs = receiver.get("global_attributes") or {}
            if not isinstance(attrs, dict):
                attrs = {}
            columns["receiver_id"].append(str(receiver.get("id", "")))
            columns["email"].append(str(receiver.get("email") or ""))
            columns["ext_id"].append(str(attrs.get(ext_id_attribute) or "").strip())
            columns["activated"].append(_int(receiver.get("activated")))
            columns["deactivated"].append(_int(receiver.get("deactivated")))
            columns["bounced"].append(_int(receiver.get("bounced")))
            for attribute in ATTRIBUTES:
                value = attrs.get(attribute)
                columns[attribute].append("" if value is None else str(value))
    return actual_from_columns(columns)


def actual_from_columns(columns: dict[str, list]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for name in ("activated", "deactivated", "bounced"):
        frame[name] = frame[name].astype("int64")
    for name in ("receiver_id", "email", "ext_id", *ATTRIBUTES):
        frame[name] = frame[name].astype("str")
    frame["email_key"] = email_keys(frame["email"])
    return frame[ACTUAL_COLUMNS]
