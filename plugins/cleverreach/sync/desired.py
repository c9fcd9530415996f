"""The desired state: a list's members as CleverReach should have them, plus the rejected ones.

E-mails are trimmed and validated with ``email-validator`` (syntax only, no DNS). Missing or invalid
addresses and the second and later members sharing one address (by ``sync.keys.email_key``: case and
the domain's Unicode/punycode spelling do not count) are rejected with a reason; the lowest contact id
keeps a shared address (by number where the CRM's keys are numbers, else by text: ``sync.keys.key_order``).
Contact keys leave here as text (``sync.keys.key_column``), and the ext_id is that text. A member the CRM marks "no marketing", deleted or anonymised (``sync.withdrawn``)
is rejected with that reason before anything else, and never takes an address from another member.
"""

from __future__ import annotations

import re

import pandas as pd

from cleverreach.email_validation import check_email
from cleverreach.sync.fields import ATTRIBUTE_COLUMNS, ATTRIBUTES, MAX_ATTRIBUTE_LENGTH
from cleverreach.sync.keys import as_text, email_keys, key_column, key_order
from cleverreach.sync.withdrawn import withdrawal_reasons

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")

DESIRED_COLUMNS = ["contact_person_id", "email", "email_key", "ext_id", "sync_state", *ATTRIBUTES]
REJECTED_COLUMNS = ["contact_person_id", "email", "reason", "sync_state", "sync_error"]


# An ASCII dot-atom local part (RFC 5322 atext separated by single dots), at most 64 characters.
_DOT_ATOM_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_SIMPLE_ADDRESS = re.compile(rf"^(?P<local>{_DOT_ATOM_LOCAL})@(?P<domain>[A-Za-z0-9.-]+)$")


def validate_emails(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """
    (normalised address, missing where invalid; reason or None) for trimmed addresses, with ``email-validator``'s
    verdicts.

    ``email-validator`` costs about 0.2 ms an address, most of it checking the domain. Plain ASCII
    addresses (dot-atom local part, at most 64 and 254 characters) are therefore split in vectorised
    code and each distinct domain is validated once, through the library; everything else (quoted or
    international local parts, IDN domains, oddities) goes through the library address by address.
    Both paths give the library's result.

    The normalised addresses stay in the column's own storage (Arrow text where installed): on the fast path
    they are the addresses themselves, and the others go in with one ``where``. Put into a column of Python
    objects, a million addresses were the first sync's peak (about 70 MB).
    """
    reason = pd.Series([None] * len(raw), index=raw.index, dtype="object")
    present = (raw != "").to_numpy(dtype=bool)
    reason[~present] = "missing e-mail"

    # Regexes as text, not compiled: pandas hands them to Arrow's vectorised engine (a Python loop otherwise).
    text = raw[present]
    simple = text[text.str.fullmatch(_SIMPLE_ADDRESS.pattern).to_numpy(dtype=bool) & (text.str.len() <= 254).to_numpy(dtype=bool)]
    local = simple.str.replace(r"@[^@]*$", "", regex=True)  # a simple address has exactly one @
    short = (local.str.len() <= 64).to_numpy(dtype=bool)
    local, domains = local[short], simple[short].str.replace(r"^[^@]*@", "", regex=True)
    verdicts = {domain: check_email(f"postmaster@{domain}") for domain in pd.unique(domains)}
    # membership and renaming through hash tables of the few distinct domains, not a dict lookup per address
    domain_ok = domains.isin([domain for domain, (_, reason) in verdicts.items() if reason is None]).to_numpy(dtype=bool)
    fast = local.index[domain_ok]
    normalized = raw.where(raw.index.isin(fast))  # a valid simple address is its own normal form ...
    renamed = {domain: address.split("@", 1)[1] for domain, (address, _) in verdicts.items()
               if address and address.split("@", 1)[1] != domain}
    fixes: list[pd.Series] = []
    if renamed:  # ... but for its domain's spelling (capitals, say): the library's
        moved = fast[domains[fast].isin(list(renamed)).to_numpy(dtype=bool)]
        fixes.append((local[moved] + "@" + domains[moved].map(renamed)).astype(object))

    slow = raw.index[present].difference(fast)
    checked: dict[object, str] = {}
    for index, value in raw[slow].items():  # the rare addresses that need the full rules
        address, reason[index] = check_email(value)
        if address is not None:
            checked[index] = address
    if checked:
        fixes.append(pd.Series(list(checked.values()), index=list(checked), dtype=object))
    if fixes:
        fixed = pd.concat(fixes).astype(raw.dtype)
        normalized = normalized.where(~raw.index.isin(fixed.index), fixed.reindex(raw.index))
    return normalized, reason


def clean_text(series: pd.Series) -> pd.Series:
    """Attribute values as CleverReach gets them: no control characters, trimmed, bounded, '' for null."""
    text = as_text(series)
    text = text.str.replace(_CONTROL_CHARS.pattern, " ", regex=True).str.strip()  # the text: Arrow's regex
    return text.str.slice(0, MAX_ATTRIBUTE_LENGTH)


def prepare_desired(members: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """
    Split CRM members into (valid, rejected).

    ``members`` has ``contact_person_id``, ``email``, ``sync_state``, ``sync_error`` and the CRM columns
    of ``ATTRIBUTE_COLUMNS``. ``valid`` has ``DESIRED_COLUMNS``; ``rejected`` has ``REJECTED_COLUMNS``.
    """
    frame = members.copy(deep=False)  # copy-on-write: the columns set here never reach the caller's frame
    for column in ("contact_person_id", "email", "sync_state", "sync_error", *ATTRIBUTE_COLUMNS.values()):
        if column not in frame:
            frame[column] = pd.Series(dtype="object")
    frame["key_order"] = key_order(frame["contact_person_id"])
    frame["contact_person_id"] = key_column(frame["contact_person_id"])
    raw = as_text(frame["email"]).str.strip()
    frame["email_raw"] = raw

    normalized, frame["reason"] = validate_emails(raw)
    frame["email"] = normalized.astype("str")  # text, not a million Python strings (in Arrow where installed)
    del normalized
    withdrawn = withdrawal_reasons(frame)
    frame["reason"] = withdrawn.where(withdrawn.notna(), frame["reason"])

    # only the columns the desired state is made of: the marks, the raw address and the reasons stay behind
    sources = ["contact_person_id", "email", "key_order", "sync_state", *dict.fromkeys(ATTRIBUTE_COLUMNS.values())]
    valid = frame.loc[frame["reason"].isna().to_numpy(dtype=bool), sources]
    valid["email_key"] = email_keys(valid["email"])
    valid = valid.sort_values("key_order", kind="stable")
    dup = valid.duplicated("email_key", keep="first")
    if dup.any():
        owner = valid.drop_duplicates("email_key", keep="first").set_index("email_key")["contact_person_id"]
        dups = valid[dup].copy()
        dups["reason"] = "duplicate e-mail on this list, also used by contact " + dups["email_key"].map(owner).astype(str)
        frame.loc[dups.index, "reason"] = dups["reason"]
        valid = valid[~dup]

    for attribute, column in ATTRIBUTE_COLUMNS.items():
        valid[attribute] = clean_text(valid[column]) if column in valid else ""
    valid["ext_id"] = valid["contact_person_id"].astype("str")
    # a handful of states for a million members: a category is a byte each, text 13 MB
    valid["sync_state"] = pd.Series(valid.get("sync_state", "pending"), index=valid.index).astype("category")

    rejected = frame[frame["reason"].notna()].copy()
    rejected["email"] = rejected["email_raw"]
    for column in ("sync_state", "sync_error"):
        if column not in rejected:
            rejected[column] = None
    return (
        valid[DESIRED_COLUMNS].reset_index(drop=True),
        rejected[REJECTED_COLUMNS].reset_index(drop=True),
    )
