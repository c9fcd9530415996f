"""What every CleverReach DAG shares: start date, no catch-up, tags, and the failure alerts."""

from __future__ import annotations

from typing import Any

from cleverreach.access import ROLES, dag_access_control
from cleverreach.notifications import failure_callbacks


def dag_defaults(roles: tuple[str, ...] = ROLES) -> dict[str, Any]:
    """What every CleverReach DAG shares: start date, no catch-up, tags, the failure alerts, and the
    CleverReach roles' DAG rights (``access_control``; used by the FAB auth manager, which needs the roles
    to exist: ``python -m cleverreach.ui.roles`` creates them; ``[cleverreach] dag_access_control = False``
    leaves them out). ``roles``: the CleverReach roles that get DAG rights (an admin-only DAG names the Admin role).

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
        **({"access_control": dag_access_control(roles)} if _access_control_enabled() else {}),
    }


def _access_control_enabled() -> bool:
    from airflow.sdk import conf

    return conf.getboolean("cleverreach", "dag_access_control", fallback=True)


# Keys in the trigger forms (issue 17): a list or contact key is an integer or text (cleverreach.crm.keys).
KEY_TYPES = ["integer", "string"]
KEY_PATTERN = r"^[A-Za-z0-9_.:@+/-]+$"
"""The text of a key a trigger form takes: integers, UUIDs and codes like "A-17"; no blanks, quotes or ";"."""
KEY_SCHEMA = {"minimum": 1, "minLength": 1, "maxLength": 200, "pattern": KEY_PATTERN}
KEY_ITEMS = {"type": KEY_TYPES, **KEY_SCHEMA}
"""The JSON schema of one key in a trigger form's list of keys (a number of at least 1, or such text)."""
MAX_KEYS = 10_000
"""Keys in one run's list of keys (the page's ``MAX_IDS`` too): the run's conf stays small (issue 18)."""

# The label of a mapped task instance. Templates render as native objects, so "{{ task.tenant_id }}" of the
# tenant "1" would become the integer 1 and Airflow's map-index rendering fails on it (len() of an int); as JSON
# text it renders back to the text itself ("1", "0042", "acme/41"), never to a number.
TENANT_MAP_INDEX = "{{ task.tenant_id | string | tojson }}"
TENANT_LIST_MAP_INDEX = "{{ (task.tenant_id ~ '/' ~ task.list_id) | tojson }}"
BATCH_MAP_INDEX = "{{ task.map_label | string | tojson }}"
"""A task of one list (tenant) or of a batch (``cleverreach.lists.batches``): ``acme/41``, ``t001..t008: 24 lists``."""

API_POOL = "cleverreach_api"


def api_pool() -> str:
    """The Airflow pool of every task that calls CleverReach (``[cleverreach] api_pool``): it bounds the
    concurrent API tasks across the whole deployment. The deployment creates it with
    ``[cleverreach] api_pool_slots`` slots (docker/airflow-init.sh, ``make airflow``, the tests)."""
    from airflow.sdk import conf

    return conf.get("cleverreach", "api_pool", fallback=API_POOL) or API_POOL


def tenant_parallelism() -> int | None:
    """How many mapped tasks (tenants, lists) of one DAG run run at once (``[cleverreach] tenant_parallelism``,
    None = no limit but the pool's and Airflow's). Read from the config when the DAG file is parsed; no
    database is touched."""
    from airflow.sdk import conf

    value = conf.getint("cleverreach", "tenant_parallelism", fallback=0)
    return value if value > 0 else None


def lists_per_task() -> int:
    """Lists one mapped sync task works through at most (``[cleverreach] lists_per_task``; 1 = a task per list).
    Read when the run resolves its lists, not at parse time."""
    from airflow.sdk import conf

    from cleverreach.lists.batches import DEFAULT_LISTS_PER_TASK

    return max(1, conf.getint("cleverreach", "lists_per_task", fallback=DEFAULT_LISTS_PER_TASK))


def tenants_per_task() -> int:
    """Tenants one mapped import task works through at most (``[cleverreach] tenants_per_task``; 1 = a task per
    tenant). Read when the run resolves its tenants."""
    from airflow.sdk import conf

    from cleverreach.lists.batches import DEFAULT_LISTS_PER_TASK

    return max(1, conf.getint("cleverreach", "tenants_per_task", fallback=DEFAULT_LISTS_PER_TASK))
