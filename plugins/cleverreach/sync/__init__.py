"""Reconciling a CRM recipient list with its CleverReach group.

``desired`` (the CRM side, validated), ``actual`` (the receivers) and ``ownership`` (which receivers the
sync created or adopted, per list) are pandas frames; ``withdrawn`` names the contacts the CRM marks
"no marketing", deleted or anonymised; ``takeover`` is a list's first sync after the move from
hyperspace's own interface (stale receivers adopted, a person's unsubscribe held); ``diff`` turns them into a ``SyncPlan`` with vectorised operations
only. ``staleness`` says when a synced member's contact changed since, so that it shows as pending. ``service`` orchestrates one list's run
(a ``lists.target.ListTarget``, checked once): it reads both sides, stores the plan in the run's ``ledger`` (the lease,
the stored plan as ``changes``, the results) and has ``apply`` write it through the hook, verifying each effect and
recording it in the list's ``list_state`` (ownership, intents, refusals, member states). A plan the mass-removal guard
blocks passes only by an admin's approval bound to the run (``approval``, ``approval_store``, ``approval_guard``). Everything except
``service``, ``apply``, ``ledger``, ``list_state``, ``frames``, ``columnar`` (a whole list read into Arrow by ADBC), ``approval_store`` and ``approval_guard`` is pure and testable without Airflow.
"""
