"""Create the CleverReach roles in the FAB auth manager: ``python -m cleverreach.ui.roles``.

Each role gets what FAB's own ``Viewer`` role holds to use the UI, except reading every DAG (the DAGs'
``access_control`` grants the CleverReach DAGs), plus reading the plugins (Airflow's UI finds the CleverReach page
among them: without it the page is a 404 and the navigation has no entry; FAB gives that to ``Op`` only) and its
CleverReach rights (``ROLE_PERMISSIONS``).
Run it after ``airflow db migrate`` and before the dag-processor first parses the DAGs: FAB refuses a
DAG whose ``access_control`` names a role that does not exist. Running it again adds what is missing.
"""

from __future__ import annotations

import sys

from cleverreach.access import ROLE_PERMISSIONS

BASE_ROLE = "Viewer"
GLOBAL_DAG_RESOURCES = {"DAGs"}  # reading every DAG: left out, access_control grants ours


def sync_roles() -> dict[str, int]:
    """Create or complete the three roles; returns how many permissions each role got now."""
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
    from airflow.providers.fab.www.security.permissions import (
        ACTION_CAN_ACCESS_MENU,
        ACTION_CAN_CREATE,
        ACTION_CAN_EDIT,
        ACTION_CAN_READ,
        RESOURCE_PLUGIN,
    )

    fab_action = {"GET": ACTION_CAN_READ, "PUT": ACTION_CAN_EDIT, "POST": ACTION_CAN_CREATE}
    added: dict[str, int] = {}
    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        base = sm.find_role(BASE_ROLE)
        if base is None:
            sm.sync_roles()
            base = sm.find_role(BASE_ROLE)
        base_permissions = [p for p in base.permissions if p.resource.name not in GLOBAL_DAG_RESOURCES]
        for role_name, rights in ROLE_PERMISSIONS.items():
            role = sm.find_role(role_name) or sm.add_role(role_name)
            wanted = base_permissions + [sm.create_permission(fab_action[r.method], r.resource) for r in sorted(rights)]
            wanted += [sm.create_permission(action, RESOURCE_PLUGIN) for action in (ACTION_CAN_READ, ACTION_CAN_ACCESS_MENU)]
            have = {(p.action.name, p.resource.name) for p in role.permissions}
            added[role_name] = 0
            for permission in wanted:
                if (permission.action.name, permission.resource.name) not in have:
                    sm.add_permission_to_role(role, permission)
                    added[role_name] += 1
    return added


def main() -> int:
    for role, count in sync_roles().items():
        print(f"{role}: {count} permission(s) added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
