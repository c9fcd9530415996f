"""The CRM's own consent marks (GDPR): who may no longer be marketed to, and why.

A contact person flagged "no marketing", or deleted or anonymised in the CRM (``deleted_at``), is
withdrawn: never added or updated, and every receiver that stands for them is deleted from the group
by id, whatever ``removal_mode`` says (a deactivated receiver would keep their address in CleverReach).
A receiver stands for a withdrawn contact when the ownership record names the contact, or when its
address is that of a withdrawn member of the list and no other member wants it. Deleted outranks
"no marketing" in the reason. Vectorised: a frame's marks become reasons column-wise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cleverreach.sync.keys import email_keys, key_column

WITHDRAWN_COLUMNS = ["contact_person_id", "email_key", "reason"]
DELETED_REASON = "deleted or anonymised in the CRM"
NO_MARKETING_REASON = "no marketing (flag in the CRM)"


def withdrawal_reasons(frame: pd.DataFrame) -> pd.Series:
    """Per row, why the contact is withdrawn, or None; missing mark columns count as unmarked. An object array of
    None with the few reasons set (not a fixed-width text array of a million reasons: 136 MB for nothing)."""
    reasons = np.full(len(frame), None, dtype=object)
    if "no_marketing" in frame:
        reasons[_flagged(frame["no_marketing"])] = NO_MARKETING_REASON
    if "deleted_at" in frame:
        reasons[frame["deleted_at"].notna().to_numpy(dtype=bool)] = DELETED_REASON  # deleted outranks the flag
    return pd.Series(reasons, index=frame.index, dtype="object")


def _flagged(marks: pd.Series) -> np.ndarray:
    """The "no marketing" flag per row: a true value (PostgreSQL's booleans, SQLite's 0 and 1, text), missing = no."""
    if pd.api.types.is_bool_dtype(marks.dtype):
        return marks.fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(marks.dtype):
        return (marks.fillna(0) != 0).to_numpy(dtype=bool)
    return marks.astype("object").where(marks.notna(), False).astype(bool).to_numpy()


def withdrawn_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``WITHDRAWN_COLUMNS`` of the withdrawn rows of ``frame`` (``contact_person_id``, the marks and, if
    present, ``email``; without an address the key is empty and only the ownership record finds them)."""
    reasons = withdrawal_reasons(frame)
    chosen = frame[reasons.notna().to_numpy(dtype=bool)]
    keys = email_keys(chosen["email"]) if "email" in chosen else pd.Series("", index=chosen.index, dtype="str")
    return pd.DataFrame({
        "contact_person_id": key_column(chosen["contact_person_id"]).to_numpy(dtype=object),
        "email_key": keys.to_numpy(),
        "reason": reasons[chosen.index].to_numpy(),
    })


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    """One row per withdrawn contact and address; the first reason given for a contact wins."""
    parts = [f[WITHDRAWN_COLUMNS] for f in frames if f is not None and len(f)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in WITHDRAWN_COLUMNS})
    merged = pd.concat(parts, ignore_index=True)
    merged["reason"] = merged.groupby("contact_person_id")["reason"].transform("first")
    return merged.drop_duplicates(["contact_person_id", "email_key"]).reset_index(drop=True)
