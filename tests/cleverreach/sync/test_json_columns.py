"""JSON texts of whole columns (``sync.json_columns``): exactly what ``json.dumps(..., ensure_ascii=False)`` writes."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from cleverreach.sync.json_columns import joined, json_array, json_objects, json_strings, text_column

# texts JSON escapes, texts it keeps, and texts that only look like something else
TEXTS = ['plain', 'a "quoted" word', "back\\slash", "tab\there", "line\nbreak\r", "bell\x07 nul\x00 us\x1f",
         "Jörg Müller", "Straße", "日本語", "emoji 👍", "line sep \u2028 para \u2029", "del \x7f", "", "00123",
         "1e5", "null", "true", '{"json": 1}', "</script>"]


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]", "string[python]"])
def test_each_text_is_the_json_string_json_dumps_writes_and_a_missing_value_null(dtype):
    values = pd.Series([*TEXTS, None], dtype=dtype)
    texts = json_strings(text_column(values)).to_pylist()
    assert texts == [json.dumps(text, ensure_ascii=False) for text in TEXTS] + ["null"]
    assert [json.loads(text) for text in texts] == [*TEXTS, None]


def test_a_column_of_anything_but_text_is_left_to_json_dumps():
    assert text_column(pd.Series([1, 2, 3])) is None
    assert text_column(pd.Series(["a", 2], dtype="object")) is None
    assert text_column(pd.Series([1.5, float("nan")])) is None
    assert text_column(pd.Series([None, None], dtype="object")).to_pylist() == [None, None]  # only missing: text
    assert text_column(pd.Series(["a", pd.NA], dtype="object")).to_pylist() == ["a", None]


def test_objects_have_json_dumps_keys_and_separators_sorted_or_in_order():
    names, ids = ["Jörg", 'say "hi"', None], ["7", "00123", "x\ny"]  # pandas' missing text is NaN: JSON's null
    members = {"name": json_strings(text_column(pd.Series(names))), "id": json_strings(text_column(pd.Series(ids))),
               "a\"key": "true"}
    rows = zip(names, ids)
    assert json_objects(members).to_pylist() == [
        json.dumps({"name": name, "id": cid, 'a"key': True}, ensure_ascii=False, sort_keys=True) for name, cid in rows]
    assert json_objects(members, sort_keys=False).to_pylist()[0] == '{"name": "Jörg", "id": "7", "a\\"key": true}'


def test_an_array_of_rows_is_the_json_list_json_dumps_writes_in_utf8():
    rows = json_objects({"email": json_strings(text_column(pd.Series(["ä@example.org", "b@example.org"])))})
    assert json_array(rows) == json.dumps([{"email": "ä@example.org"}, {"email": "b@example.org"}],
                                          ensure_ascii=False).encode("utf-8")
    assert json_array(rows.slice(1)) == b'[{"email": "b@example.org"}]'
    assert json_array(rows.slice(0, 0)) == b"[]"


def test_literal_parts_alone_have_no_rows():
    with pytest.raises(ValueError, match="at least one array"):
        joined(["{", "}"])
    assert joined(["<", pa.array(["x", "y"], pa.large_string()), ">"]).to_pylist() == ["<x>", "<y>"]


def test_without_pyarrow_nothing_is_joined_and_the_callers_encode_as_before(monkeypatch):
    """pyarrow is an optional dependency (an existing Airflow may lack it): the bodies go as dicts, the change
    rows' values by the standard library's encoder, each text as before."""
    from cleverreach.hooks.bodies import BatchBodies
    from cleverreach.sync.changes import _json_objects
    from cleverreach.sync.plan import Payloads

    frame = pd.DataFrame({"email": ["ä@example.org"], "ext_id": ["7"], "firstname": ['q"x'], "salutation": [""],
                          "lastname": [""], "function": [""], "company": [""]})
    expected_values = _json_objects({"firstname": frame["firstname"], "email": frame["email"]})
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)  # import pyarrow: ImportError
    assert text_column(pd.Series(["a"], dtype="object")) is None
    assert _json_objects({"firstname": frame["firstname"], "email": frame["email"]}) == expected_values == [
        json.dumps({"firstname": 'q"x', "email": "ä@example.org"}, ensure_ascii=False, sort_keys=True)]
    payloads = Payloads(frame.astype("object"), "email", "ext_id", activated=0)
    assert payloads.encoded(0, 1) is None
    with BatchBodies(payloads) as bodies:
        assert bodies.take(0, 10) == (["ä@example.org"], json.dumps(list(payloads), allow_nan=False).encode())
