"""The actor rule: a person (the triggering or page user) or a run, never just a DAG name."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cleverreach.audit.actor import Actor, actor_name


@pytest.mark.parametrize(("user", "dag_id", "run_id", "expected"), [
    ("anna", "cleverreach_import_lists", "manual__1", "user:anna"),  # triggered in the UI or through the REST API
    ("  anna ", None, None, "user:anna"),  # the page: a user without a run
    (None, "cleverreach_sync_mail_history", "scheduled__2026-01-01T00:00:00+00:00",
     "run:cleverreach_sync_mail_history/scheduled__2026-01-01T00:00:00+00:00"),
    ("", "cleverreach_sync_recipients", "backfill__2026-01-02", "run:cleverreach_sync_recipients/backfill__2026-01-02"),
])
def test_a_user_if_one_triggered_else_the_run(user, dag_id, run_id, expected):
    assert actor_name(user, dag_id, run_id) == expected


@pytest.mark.parametrize(("dag_id", "run_id"), [("cleverreach_sync_recipients", None), (None, "r1"), ("", ""), (None, None)])
def test_never_just_a_dag_name(dag_id, run_id):
    with pytest.raises(ValueError, match="a user or a run"):
        actor_name(None, dag_id, run_id)


def test_a_task_takes_its_runs_triggering_user_else_its_run():
    run = lambda user: {"dag_run": SimpleNamespace(triggering_user_name=user, run_id="manual__1")}  # noqa: E731
    assert Actor.of_task(run("op"), "d") == Actor("user:op", "d", "manual__1")
    assert Actor.of_task(run(None), "d") == Actor("run:d/manual__1", "d", "manual__1")
    assert Actor.of_task({"run_id": "scheduled__x"}, "d").name == "run:d/scheduled__x"
    assert str(Actor.of_task(run("op"), "d")) == "user:op"


def test_a_page_user_needs_a_name():
    assert Actor.user("editor") == Actor("user:editor")
    assert Actor.user("op", "cleverreach_sync_recipients", "manual__2").run_id == "manual__2"
    with pytest.raises(ValueError):
        Actor.user("  ")
