"""The page's request bodies (ui/schemas.py) bound what they pass on as a run's conf (issue 18)."""

from __future__ import annotations


def test_request_models_bound_id_lists_and_strings(page):
    """The page's bodies bound what they pass on as a run's conf, as the DAG params do (issue 18)."""
    from cleverreach.dag_defaults import MAX_KEYS
    from cleverreach.ui.schemas import MAX_IDS

    assert MAX_IDS == MAX_KEYS
    remove = "/tenants/a/lists/1/members/remove"
    assert page.post(remove, user="editor", json={"contact_ids": list(range(1, MAX_IDS + 2))}).status_code == 422
    assert page.post(remove, user="editor", json={"contact_ids": ["x" * 201]}).status_code == 422
    preview = "/tenants/a/lists/1/recipients/preview"
    assert page.post(preview, user="editor", json={"search": "x" * 201}).status_code == 422
    assert page.post(preview, user="editor", json={"contact_ids": list(range(1, MAX_IDS + 2))}).status_code == 422
