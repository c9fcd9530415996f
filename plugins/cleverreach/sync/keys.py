"""The one comparison key of an e-mail address, the same for CRM members and CleverReach receivers.

The key is the trimmed address in lower case with its domain in the ASCII (IDNA 2008, punycode) form:
``Jürgen@Bücher.example`` and ``jürgen@xn--bcher-kva.example`` are one key, so a contact never flaps
between the Unicode and the punycode spelling whichever one CleverReach stores. ``idna`` is the library
``email-validator`` itself uses for domains. Vectorised: only the rare non-ASCII addresses go through
IDNA, each distinct domain once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import idna
import numpy as np
import pandas as pd

from cleverreach.crm.keys import as_key


@lru_cache(maxsize=10_000)
def ascii_domain(domain: str) -> str:
    """A domain in its lower-case ASCII form; one IDNA cannot encode stays as it is, lower-cased."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        return domain.lower()


def email_key(email: str) -> str:
    """The key of one address (see the module's docstring)."""
    text = str(email or "").strip().lower()
    if text.isascii():
        return text
    local, at, domain = text.rpartition("@")
    return f"{local}{at}{ascii_domain(domain)}" if at else text


@lru_cache(maxsize=10_000)
def unicode_domain(domain: str) -> str:
    """A domain in its Unicode form (``xn--bcher-kva.example`` -> ``bücher.example``); one IDNA cannot decode
    stays as it is."""
    try:
        return idna.decode(domain, uts46=True)
    except (idna.IDNAError, UnicodeError, ValueError):
        return domain


def email_spellings(email: str | None) -> set[str]:
    """Every spelling under which a service may hold an address of this key: the address as given (trimmed),
    its key (punycode domain) and the key with the domain in Unicode. CleverReach's handling of IDN domains
    is unknown, so a search for a person asks for each (and judges what it finds by ``email_key``)."""
    text = str(email or "").strip()
    key = email_key(text)
    if not key:
        return set()
    local, at, domain = key.rpartition("@")
    return {text, key, f"{local}{at}{unicode_domain(domain)}" if at else key}


def email_keys(emails: pd.Series) -> pd.Series:
    """The keys of many addresses; missing values become ''."""
    text = emails.astype("object").where(emails.notna(), "").astype(str).str.strip().str.lower()
    unicode_rows = ~text.str.isascii().astype(bool)
    if unicode_rows.any():
        text = text.astype("object")
        text[unicode_rows] = text[unicode_rows].map(email_key)
    return text.astype("str")


# ---------------------------------------------------------------------- contact keys, column-wise
NO_KEY = ""
"""An array's "no contact" (``cleverreach.crm.keys.as_key`` never makes an empty key)."""


def key_column(values: pd.Series | Any) -> pd.Series:
    """Contact keys as the integration's text (``as_key``), column-wise: a column of Python ``str`` (object
    dtype: ``isin`` and ``==`` on it run in pandas' hash tables, where Arrow-backed text takes a slow path),
    None where there is no key. An integer column (the demo CRM's) is converted in one step; only a column of
    mixed values goes value by value."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    dtype = series.dtype
    if len(series) == 0:
        return pd.Series([], index=series.index, dtype=object)
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        if not series.hasnans:
            return series.astype("int64").astype(str).astype(object)
    elif pd.api.types.is_float_dtype(dtype):  # an integer column with NULLs, as pandas reads it
        present = series.notna().to_numpy(dtype=bool)
        whole = series[present]
        if (whole % 1 == 0).all() and (whole.abs() < 2**63).all():
            out = pd.Series(None, index=series.index, dtype=object)
            out[present] = whole.astype("int64").astype(str).astype(object).to_numpy()
            return out
    elif dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string":
        return series
    elif pd.api.types.is_string_dtype(dtype) and not series.hasnans:
        return series.astype(object)
    return series.astype(object).map(_as_key_or_none).astype(object)


def _as_key_or_none(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NA else as_key(value)


def key_array(values: pd.Series | Any) -> np.ndarray:
    """Keys as a numpy object array, ``NO_KEY`` where there is none (for comparisons over a million rows)."""
    column = key_column(values)
    array = column.to_numpy(dtype=object)
    if column.hasnans:
        array = np.where(pd.isna(array), NO_KEY, array).astype(object)
    return array


def isin_keys(values: np.ndarray | pd.Series, candidates: Any) -> np.ndarray:
    """``np.isin`` for text keys through pandas' hash table (numpy sorts object arrays, Python-slow)."""
    left = pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)
    right = np.asarray(candidates if not isinstance(candidates, pd.Index | pd.Series) else candidates.to_numpy(dtype=object),
                       dtype=object)
    return left.isin(right).to_numpy(dtype=bool)


def key_order(raw: pd.Series) -> pd.Series:
    """The order of contact keys where the lowest one counts (the owner of a shared address): a numeric column
    by its numbers, as before keys became text; text by its text."""
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return raw
    return key_column(raw).astype("str")
