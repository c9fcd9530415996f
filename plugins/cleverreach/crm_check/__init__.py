"""The CRM adapter's contract and its check against a live CRM.

``manifest`` documents every statement of the adapter folder (``include/sql/queries``): name, read or
write, table family, parameters with a sample each, and the result columns with their types. ``verdicts``
compares what a statement returned with that contract (pure); ``store`` runs the statements inside
transactions that are always rolled back and counts per tenant; the operator
``cleverreach.operators.check_crm`` wires them for the DAG ``cleverreach_check_crm``.
"""
