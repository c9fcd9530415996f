"""The CleverReach page inside the Airflow UI: a FastAPI app and a static page, registered as a plugin.

``plugin.py`` registers it (entry point ``airflow.plugins``), ``app.py`` builds the app from one router
per screen area (``routers/``), ``security.py`` authenticates every request with Airflow's own login and
checks rights and tenant scope, ``airflow_api.py`` starts DAG runs through Airflow's REST API as the
user, ``read_store.py`` reads what the screens show, ``roles.py`` creates the FAB roles.
"""
