"""The check's writer refuses any write that is not aimed at a scratch group it created."""

from __future__ import annotations

from typing import Any

import pytest

from cleverreach.api_check.scratch import ProbeError, ScratchAccount, ScratchViolation


class RecordingHook:
    """Stands in for the hook's ``request``: records calls, answers a group create with an id."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, path: str, *, params: Any = None, json: Any = None) -> Any:
        self.calls.append((method, path))
        return {"id": "555"} if (method, path) == ("POST", "groups") else [{"status": "success"}]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "groups/7001/receivers/upsert"),
        ("POST", "groups/7001/receivers/delete"),
        ("PUT", "groups/7001/receivers/12/deactivate"),
        ("DELETE", "groups/7001"),
        ("DELETE", "receivers/12"),
        ("POST", "receivers/delete"),
        ("PUT", "attributes/3"),
        ("POST", "groups/555x/receivers/upsert"),
    ],
)
def test_writes_outside_the_scratch_groups_are_refused_before_they_are_sent(method, path):
    hook = RecordingHook()
    account = ScratchAccount(hook)  # type: ignore[arg-type]
    account.create_group("cleverreach-api-check-x")
    with pytest.raises(ScratchViolation):
        account.write(method, path, json=[])
    assert hook.calls == [("POST", "groups")]


def test_writes_to_a_scratch_group_go_through():
    hook = RecordingHook()
    account = ScratchAccount(hook)  # type: ignore[arg-type]
    group_id = account.create_group("cleverreach-api-check-x")
    account.upsert(group_id, [{"email": "a@example.org"}])
    account.deactivate(group_id, "12")
    account.delete_group(group_id)
    assert hook.calls == [
        ("POST", "groups"),
        ("POST", "groups/555/receivers/upsert"),
        ("PUT", "groups/555/receivers/12/deactivate"),
        ("DELETE", "groups/555"),
    ]


def test_a_group_create_without_an_id_is_a_probe_error():
    class NoId(RecordingHook):
        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            return True

    with pytest.raises(ProbeError):
        ScratchAccount(NoId()).create_group("x")  # type: ignore[arg-type]
