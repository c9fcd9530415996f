"""Ids in URL paths are one quoted segment each: ``../x`` or ``1/2`` cannot change the path (issue 18).

The wire recorder keeps the request line as sent; the emulator behind it answers.
"""

from __future__ import annotations

import pytest

from cleverreach.exceptions import CleverReachNotFoundError
from cleverreach.hooks.transport import segment

from .conftest import seed  # noqa: TID252 - the fixtures' seed data

HOSTILE = ["../x", "1/2", "1001/../../debug/whoami", "1?x=1", "1#x", "%2e%2e"]


@pytest.mark.parametrize(("value", "quoted"), [("1001", "1001"), ("../x", "..%2Fx"), ("1/2", "1%2F2"), ("a?b#c", "a%3Fb%23c"), ("%2F", "%252F")])
def test_path_ids_are_quoted_as_one_segment(value, quoted):
    assert segment(value) == quoted


@pytest.mark.parametrize("value", ["", " ", ".", ".."])
def test_path_ids_that_are_dot_segments_are_refused(value):
    with pytest.raises(ValueError, match="not a CleverReach id"):
        segment(value)


@pytest.mark.parametrize("group_id", HOSTILE)
def test_path_ids_reach_the_server_as_one_segment(emulator, connect, wire, group_id):
    emulator.client.reset(seed(2))
    hook = connect(url=wire.url)
    with pytest.raises(CleverReachNotFoundError):
        hook.get_group(group_id)
    with pytest.raises(CleverReachNotFoundError):
        list(hook.iter_receivers(group_id))
    with pytest.raises(CleverReachNotFoundError):
        hook.get_mailing(group_id)
    paths = [r.path for r in wire.requests if r.path.startswith("/v3/")]
    quoted = segment(group_id)
    assert paths == [f"/v3/groups/{quoted}", f"/v3/groups/{quoted}/receivers", f"/v3/mailings/{quoted}"]


def test_path_ids_of_a_receiver_are_quoted_too(emulator, connect, wire):
    emulator.client.reset(seed(2))
    hook = connect(url=wire.url)
    with pytest.raises(CleverReachNotFoundError):
        hook.deactivate_receiver("1001", "../../groups")
    assert [r.path for r in wire.requests if r.path.startswith("/v3/")] == ["/v3/groups/1001/receivers/..%2F..%2Fgroups/deactivate"]
