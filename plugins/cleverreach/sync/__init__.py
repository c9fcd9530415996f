"""Reconciling a CRM recipient list with its CleverReach group.

``desired`` (the CRM side, validated) and ``actual`` (the receivers) are pandas frames; ``diff``
turns them into a ``SyncPlan`` with vectorised operations only; ``runner`` stores the plan and
applies it through the hook. Everything except ``runner`` is pure and testable without Airflow.
"""
