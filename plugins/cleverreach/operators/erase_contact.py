"""Erase one person (or several) on request: from the tenant's CleverReach account and the integration's copies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException
from sqlalchemy import Engine

from cleverreach.erasure.leases import ListLeaseBusyError, tenant_leases
from cleverreach.erasure.request import ErasureRequestError
from cleverreach.erasure.request_store import ErasureRequestStore, StoredErasureRequest, checked_reference
from cleverreach.erasure.service import ContactErasure
from cleverreach.erasure.store import ErasureStore
from cleverreach.exceptions import LeaseLostError
from cleverreach.operators.base import CleverReachTenantOperator


class CleverReachEraseContactOperator(CleverReachTenantOperator):
    """
    A data-subject erasure of a stored request (``cleverreach.erasure.request_store``): the task gets the
    request's opaque reference, never the contact ids or addresses, so neither the run's conf nor the rendered
    fields hold them. It takes the leases of all the tenant's lists first (``cleverreach.erasure.leases``): a
    list another run syncs fails the attempt before anything is erased, and Airflow retries it. When the erasure
    completes, the request's contact ids and addresses are purged; a failed one keeps them for the retry.

    Returns a report of counts; the log never names the person. A receiver that is still in a group after the
    delete fails the task, so that it is retried; everything else is idempotent.

    :param tenant_id: CRM tenant id (templated).
    :param cleverreach_conn_id: the tenant's CleverReach connection (templated).
    :param request: the erasure request's reference (templated).
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id", "request")
    ui_color = "#f6d6d6"

    def __init__(self, *, request: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request = request

    def _load(self, requests: ErasureRequestStore, reference: str, context: Any) -> StoredErasureRequest:
        """The request, if it is this tenant's and may still run; refusals fail without retry."""
        stored = requests.get(reference)
        if stored is None or stored.tenant_id != str(self.tenant_id):  # another tenant's reads as missing
            raise AirflowFailException(f"tenant {self.tenant_id!r}: no erasure request {reference}")
        if stored.request is None or not requests.start(reference, self.dag_id, context["run_id"]):
            raise AirflowFailException(
                f"erasure request {reference} is {stored.status}{' and purged' if stored.purged_at else ''}: "
                "it is not run again; store a new request")
        return stored

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        from airflow.sdk import conf

        try:
            reference = checked_reference(self.request)
        except ErasureRequestError as exc:
            raise AirflowFailException(str(exc)) from None
        requests = ErasureRequestStore(engine)
        stored = self._load(requests, reference, context)
        assert stored.request is not None
        ti = context.get("ti")
        actor = self.actor(context)
        report: dict[str, Any] | None = None
        try:
            hook = self.cleverreach  # the login first: a bad one takes no lease
            erasure = ContactErasure(hook, ErasureStore(engine), stored.request, actor, logger=self.log)
            erasure.check()  # a request the tenant cannot satisfy is refused before any lease is taken
            with tenant_leases(
                engine, stored.tenant_id, dag_id=self.dag_id, run_id=context["run_id"],
                holder=f"{self.dag_id}/{context['run_id']}/{self.task_id}/{getattr(ti, 'map_index', -1)}",
                attempt=getattr(ti, "try_number", None), actor=actor, reference=reference, logger=self.log,
                lease_timeout=timedelta(seconds=conf.getint("cleverreach", "lease_timeout_seconds", fallback=600)),
            ) as leases:
                erasure.keepalive = leases.heartbeat
                report = erasure.run()
        except ErasureRequestError as exc:
            requests.failed(reference)
            raise AirflowFailException(str(exc)) from None
        except (ListLeaseBusyError, LeaseLostError) as exc:
            requests.failed(reference)
            raise AirflowException(str(exc)) from None  # retried: the sync will have finished
        except BaseException:
            requests.failed(reference)
            raise
        if not report["complete"]:
            requests.failed(reference, report)
            raise AirflowException(
                f"{report['cleverreach']['receivers_failed']} receiver(s) were still in CleverReach after the delete; "
                "the task is retried"
            )
        requests.done(reference, report)
        self.log.info("Erasure request %s is done; its contact ids and addresses are purged", reference)
        return {"request": reference, **report}
