"""Check the integration's assumptions against one tenant's real CleverReach account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException
from airflow.sdk.log import mask_secret

from cleverreach.api_check.request import CheckRequest, CheckRequestError
from cleverreach.dag_defaults import api_pool
from cleverreach.enums import CheckVerdict
from cleverreach.hooks.cleverreach import CleverReachHook
from cleverreach.reporting import format_table

TABLE_COLUMNS = ["assumption", "expected", "result", "seen"]


class CleverReachApiCheckOperator(BaseOperator):
    """
    Exercise every call form the integration relies on in scratch groups of the tenant's account, read
    back every effect, delete the scratch groups, print the table and return it as a list of dicts
    (``check``, ``assumption``, ``expected``, ``result``, ``seen``).

    The arguments are validated before the first request. The test addresses are never logged.

    :param tenant_id: CRM tenant id (templated).
    :param cleverreach_conn_id: the tenant's CleverReach connection (templated).
    :param test_emails: addresses the user owns; the scratch receivers are these and plus-addresses
        derived from the first (templated; a list, at least one, at most ten).
    :param keep_group: keep the scratch groups for inspection (templated).
    """

    template_fields: Sequence[str] = ("tenant_id", "cleverreach_conn_id", "test_emails", "keep_group")
    ui_color = "#fbe9d0"

    def __init__(
        self,
        *,
        tenant_id: str,
        cleverreach_conn_id: str,
        test_emails: Any,
        keep_group: Any = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("pool", api_pool())  # bounds the concurrent CleverReach tasks of the deployment
        super().__init__(**kwargs)
        self.tenant_id = tenant_id
        self.cleverreach_conn_id = cleverreach_conn_id
        self.test_emails = test_emails
        self.keep_group = keep_group

    def execute(self, context: Any) -> list[dict[str, str]]:
        from cleverreach.api_check.service import ApiCheckService, CheckLoginError

        try:
            request = CheckRequest.parse(self.test_emails, self.keep_group)
        except CheckRequestError as exc:
            raise AirflowFailException(f"Tenant {self.tenant_id!r}: {exc}") from None
        for email in request.test_emails:
            mask_secret(email)  # a safety net: nothing here logs them

        hook = CleverReachHook(self.cleverreach_conn_id)
        try:
            rows = ApiCheckService(hook, request).run()
        except (CheckLoginError, AirflowNotFoundException) as exc:
            raise AirflowFailException(
                f"Tenant {self.tenant_id!r}: CleverReach login failed for connection {self.cleverreach_conn_id!r}: {exc}"
            ) from None

        table = [row.as_dict() for row in rows]
        self.log.info("CleverReach API check of tenant %s:\n%s", self.tenant_id, format_table(table, TABLE_COLUMNS))
        counts = {verdict: sum(1 for row in rows if row.result is verdict) for verdict in CheckVerdict}
        self.log.info(
            "Tenant %s: %d hold, %d differ, %d could not be checked",
            self.tenant_id, counts[CheckVerdict.HOLDS], counts[CheckVerdict.DIFFERS], counts[CheckVerdict.COULD_NOT_CHECK],
        )
        for row in rows:
            if row.result is CheckVerdict.DIFFERS:
                self.log.warning("Differs: %s (expected %s): %s", row.assumption, row.expected, row.seen)
        return table
