"""What every CleverReach DAG shares: start date, no catch-up, tags, and the failure alerts."""

from __future__ import annotations

from typing import Any

from cleverreach.access import dag_access_control
from cleverreach.notifications import failure_callbacks


def dag_defaults() -> dict[str, Any]:
    """What every CleverReach DAG shares: start date, no catch-up, tags, the failure alerts, and the
    CleverReach roles' DAG rights (``access_control``; used by the FAB auth manager, which needs the roles
    to exist: ``python -m cleverreach.ui.roles`` creates them; ``[cleverreach] dag_access_control = False``
    leaves them out).

    A function, not a constant: the alert settings are read each time a DAG file is parsed.
    Templates render as native objects, so ``"{{ params.tenant }}"`` hands an operator ``None``, a
    list or a boolean as the trigger form holds it, not its text.
    """
    import pendulum

    return {
        "start_date": pendulum.datetime(2026, 1, 1, tz="UTC"),
        "catchup": False,
        "tags": ["cleverreach", "crm"],
        "render_template_as_native_obj": True,
        "default_args": {"on_failure_callback": failure_callbacks()},
        **({"access_control": dag_access_control()} if _access_control_enabled() else {}),
    }


def _access_control_enabled() -> bool:
    from airflow.sdk import conf

    return conf.getboolean("cleverreach", "dag_access_control", fallback=True)
