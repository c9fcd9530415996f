"""What the operators share: the CRM hook's lifecycle, the tenant's checked CleverReach login, the actor.

Every operator takes its inputs as templated constructor arguments (``template_fields``), so a DAG
passes ``"{{ params.x }}"`` or an XComArg; none reads ``context["params"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException
from sqlalchemy import Engine

from cleverreach.audit.actor import Actor
from cleverreach.clock import from_unix, local_text, utcnow
from cleverreach.crm.legacy import LegacyStateError
from cleverreach.crm.migrations import StateNotMigratedError
from cleverreach.dag_defaults import api_pool
from cleverreach.exceptions import CleverReachAuthError, CleverReachConfigError, TenantIsolationError
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.hooks.crm import CrmHook
from cleverreach.tenants.store import Tenant, TenantStore


def open_cleverreach(tenant_id: str, conn_id: str) -> tuple[CleverReachHook, str]:
    """
    A hook whose login is already checked, and the id of the account it logs into (``debug/whoami``,
    one call that also proves the login). A bad login fails only this tenant, with a plain message.
    The rest of whoami's answer (the account holder's name and address) is not kept.
    """
    hook = CleverReachHook(conn_id)
    try:
        account_id = str(hook.whoami().get("id") or "")
    except (CleverReachAuthError, CleverReachConfigError, AirflowNotFoundException) as exc:
        raise AirflowFailException(
            f"Tenant {tenant_id!r}: CleverReach login failed for connection {conn_id!r}: {exc}"
        ) from None
    if not account_id:
        raise AirflowFailException(f"Tenant {tenant_id!r}: CleverReach did not say which account {conn_id!r} is")
    return hook, account_id


def optional_text(value: Any) -> str | None:
    """A templated text argument: None or blank stays None; anything else becomes its text (a tenant id
    such as ``"42"`` renders as the number 42 under native rendering)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return str(value).strip()


def with_outlet(kwargs: dict[str, Any], alias: Any) -> dict[str, Any]:
    """``kwargs`` whose ``outlets`` hold ``alias``: the operator emits its asset events through it, and Airflow
    registers only the events of an alias among the task's outlets."""
    outlets = kwargs.get("outlets") or []
    outlets = list(outlets) if isinstance(outlets, (list, tuple)) else [outlets]
    return {**kwargs, "outlets": outlets if alias in outlets else [*outlets, alias]}


def as_bool(value: Any, name: str) -> bool:
    """A templated flag: a real boolean, or the text "true"/"false" of a non-native template."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise AirflowFailException(f"{name} must be true or false, got {value!r}")


class CrmOperator(BaseOperator):
    """
    Base of the operators that work on the CRM database: opens the CRM hook, makes sure the integration's
    private state is migrated, hands the engine to :meth:`execute_with_crm`, and always disposes of it.

    Only the first task of a DAG run migrates (``migrate_state=True``; the DAG-integrity test holds every DAG to
    that): the run's other tasks, a hundred mapped ones among them, merely check the applied version, one cheap
    read, and fail plainly when the state is behind instead of each taking the migration lock.

    :param crm_conn_id: Airflow connection of the CRM database (``hyperspace_crm``).
    :param migrate_state: apply the pending migrations before the work (the DAG's first task; never a mapped one).
    """

    def __init__(self, *, crm_conn_id: str = CrmHook.default_conn_name, migrate_state: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.crm_conn_id = crm_conn_id
        self.migrate_state = migrate_state

    @cached_property
    def crm(self) -> CrmHook:
        return CrmHook(self.crm_conn_id)

    def execute(self, context: Any) -> Any:
        try:
            self._prepare_state(context)
            return self.execute_with_crm(context, self.crm.engine)
        finally:
            self.crm.dispose()

    def _prepare_state(self, context: Any) -> None:
        if not self.migrate_state:
            try:
                self.crm.check_migrated()
            except StateNotMigratedError as exc:
                raise AirflowFailException(f"{self.task_id}: {exc}") from None
            return
        map_index = getattr(context.get("ti"), "map_index", None)
        if map_index is not None and map_index >= 0:
            raise AirflowFailException(f"{self.task_id}: a mapped task never migrates the private state; "
                                       "give migrate_state=True to the DAG's first task instead")
        try:
            applied = self.crm.migrate()
        except LegacyStateError as exc:
            raise AirflowFailException(f"{self.task_id}: {exc}") from None
        if applied:
            self.log.info("Applied CRM migrations: %s", ", ".join(applied))

    def execute_with_crm(self, context: Any, engine: Engine) -> Any:
        raise NotImplementedError

    def actor(self, context: Any) -> Actor:
        """Who acts (``cleverreach.audit.actor``): ``user:<name>`` of the run's triggering user, else ``run:<dag>/<run>``."""
        return Actor.of_task(context, self.dag_id)


class CleverReachTenantOperator(CrmOperator):
    """
    Base of the operators that work on one tenant's CleverReach account as well as the CRM.

    :param tenant_id: CRM tenant id (templated).
    :param cleverreach_conn_id: the tenant's CleverReach connection (templated).
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id")

    def __init__(self, *, tenant_id: str, cleverreach_conn_id: str, **kwargs: Any) -> None:
        kwargs.setdefault("pool", api_pool())  # bounds the concurrent CleverReach tasks of the deployment
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.cleverreach_conn_id = cleverreach_conn_id

    @cached_property
    def cleverreach(self) -> CleverReachHook:
        """The tenant's hook, its login checked and its account proven to be this tenant's alone."""
        return self.tenant_hook(str(self.tenant_id), self.cleverreach_conn_id)

    def tenant_hook(self, tenant_id: str, conn_id: str) -> CleverReachHook:
        """A tenant's hook, its login checked and its account proven to be the tenant's alone (a batch of lists
        of several tenants opens one per tenant)."""
        hook, account_id = open_cleverreach(tenant_id, conn_id)
        try:
            TenantStore(self.crm.engine).check_isolation(Tenant(tenant_id, tenant_id, conn_id), account_id)
        except TenantIsolationError as exc:
            raise AirflowFailException(str(exc)) from None
        return hook

    def in_tenant_time(self, summary: dict[str, Any], *, tenant_id: str | None = None,
                       **unix_times: int | None) -> dict[str, Any]:
        """``summary`` with the time it was made (``finished_at``, UTC ISO 8601) and, for people, that time and the
        given Unix times (e.g. a watermark) in the zone of the tenant (default: the operator's tenant)
        (``finished_local``, ``<name>_local``)."""
        tz = TenantStore(self.crm.engine).zone(str(tenant_id if tenant_id is not None else self.tenant_id))
        now = utcnow()
        stamped = {**summary, "finished_at": now.isoformat(timespec="seconds"), "time_zone": tz.key,
                   "finished_local": local_text(now, tz)}
        for name, seconds in unix_times.items():
            stamped[f"{name}_local"] = None if seconds is None else local_text(from_unix(seconds), tz)
        return stamped
