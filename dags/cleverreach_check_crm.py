"""Check the CRM adapter against the live CRM (manual).

Every statement of the adapter folder (``[cleverreach] crm_adapter_dir``, else ``include/sql``) runs
once, writes inside a transaction that is rolled back, and its result columns and types are compared
with the manifest (``cleverreach.crm_check.manifest``). The report lists each statement's verdict and,
per tenant, how many contacts (with a valid e-mail), lists, members per state and history rows the
CRM holds; no personal data. Key columns are held to the types ``adapter.toml`` declares, the members
page's statements run with every filter and order the page appends, and the history's staging table is
created, filled with a row and read. A statement that cannot run because another one failed is
``blocked`` and names it. The ``verdict`` task fails when a statement is missing, fails, returns other
columns or is blocked, listing each cause once.
"""

from __future__ import annotations

from airflow.sdk import Param, dag

from cleverreach.dag_defaults import dag_defaults
from cleverreach.operators.check_crm import CrmCheckAdapterOperator, CrmCheckVerdictOperator


@dag(
    dag_id="cleverreach_check_crm",
    schedule=None,
    doc_md=__doc__,
    **dag_defaults(),
    params={
        "tenant": Param(None, type=["null", "string"], maxLength=100, title="Tenant",
                        description="CRM tenant id (Mandant); empty = every active tenant."),
    },
)
def cleverreach_check_crm():
    check = CrmCheckAdapterOperator(task_id="check_adapter", tenant="{{ params.tenant }}", migrate_state=True)
    CrmCheckVerdictOperator(task_id="verdict", report=check.output)


cleverreach_check_crm()
