"""CleverReach provider for Apache Airflow: hook, operators and sync logic for the hyperspace CRM.

Importing this package must stay cheap: Airflow imports it in every process through the provider
entry point, so heavy modules (pandas, the emulator) are imported only where they are used.
"""

__version__ = "0.1.0"  # the one place: pyproject.toml and get_provider_info() read it from here
