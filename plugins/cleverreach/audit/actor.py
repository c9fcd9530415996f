"""Who acts: always a person or a run, never just a DAG name. One rule for the operators, the stores and the page.

- ``user:<name>``: a user triggered the run (the UI, the REST API, the CLI as a user, or a run that user's run
  triggered: Airflow passes the triggering user on), or a user acted on the CleverReach page;
- ``run:<dag_id>/<run_id>``: nobody did, the run itself acts (a scheduled run, a backfill without a user).

The text goes into ``recipient_list.created_by``/``changed_by``, ``recipient_list_member.added_by``, the
translations' ``changed_by``, the grants' ``granted_by`` and ``audit_event.actor``. Pure: no Airflow, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

USER_PREFIX = "user:"
RUN_PREFIX = "run:"


def actor_name(user: str | None, dag_id: str | None, run_id: str | None) -> str:
    """The rule: ``user:<name>`` when a user triggered, else ``run:<dag_id>/<run_id>``; anything else is refused."""
    user = (user or "").strip()
    if user:
        return f"{USER_PREFIX}{user}"
    if not (dag_id and run_id):
        raise ValueError("an actor is a user or a run: neither a user nor both a DAG id and a run id were given")
    return f"{RUN_PREFIX}{dag_id}/{run_id}"


def triggering_user(context: Any) -> str | None:
    """The user who triggered the run (Airflow records it for UI and REST API triggers), or None."""
    user = getattr(context.get("dag_run"), "triggering_user_name", None)
    return str(user) if user else None


@dataclass(frozen=True)
class Actor:
    """Who did it (``name``, by :func:`actor_name`) and the Airflow run it happened in, if any."""

    name: str
    dag_id: str | None = None
    run_id: str | None = None

    def __str__(self) -> str:
        return self.name

    @classmethod
    def of(cls, user: str | None, dag_id: str | None, run_id: str | None) -> Actor:
        return cls(actor_name(user, dag_id, run_id), dag_id or None, run_id or None)

    @classmethod
    def of_task(cls, context: Any, dag_id: str) -> Actor:
        """A task's actor: its run's triggering user, else the run."""
        run_id = context.get("run_id") or getattr(context.get("dag_run"), "run_id", None)
        return cls.of(triggering_user(context), dag_id, run_id)

    @classmethod
    def user(cls, name: str, dag_id: str | None = None, run_id: str | None = None) -> Actor:
        """A user of the page; ``dag_id``/``run_id`` name the run their action started, if it started one."""
        if not (name or "").strip():
            raise ValueError("a user needs a name")
        return cls.of(name, dag_id, run_id)
