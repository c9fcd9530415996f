"""Erase one person (or several) on request: from the tenant's CleverReach account and the integration's copies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException
from sqlalchemy import Engine

from cleverreach.erasure.request import ErasureRequest, ErasureRequestError
from cleverreach.erasure.service import ContactErasure
from cleverreach.erasure.store import ErasureStore
from cleverreach.operators.base import CleverReachTenantOperator


class CleverReachEraseContactOperator(CleverReachTenantOperator):
    """
    A data-subject erasure. Returns a report of counts (what was removed where); the log never names
    the person. A receiver that is still in a group after the delete fails the task, so that it is
    retried; everything else is idempotent.

    :param tenant_id: CRM tenant id (templated).
    :param cleverreach_conn_id: the tenant's CleverReach connection (templated).
    :param contact_ids: contact person ids of the tenant (templated).
    :param emails: e-mail addresses (templated).
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id", "contact_ids", "emails")
    ui_color = "#f6d6d6"

    def __init__(self, *, contact_ids: Sequence[int] | str = (), emails: Sequence[str] | str = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.contact_ids = contact_ids
        self.emails = emails

    def execute_with_crm(self, context: Any, engine: Engine) -> dict[str, Any]:
        try:
            request = ErasureRequest.from_arguments(self.tenant_id, self.contact_ids, self.emails)
            report = ContactErasure(self.cleverreach, ErasureStore(engine), request, self.actor(context),
                                    logger=self.log).run()
        except ErasureRequestError as exc:
            raise AirflowFailException(str(exc)) from None
        if not report["complete"]:
            raise AirflowException(
                f"{report['cleverreach']['receivers_failed']} receiver(s) were still in CleverReach after the delete; "
                "the task is retried"
            )
        return report
