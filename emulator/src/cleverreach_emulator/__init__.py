"""A faithful emulator of the CleverReach REST API v3 (FastAPI + uvicorn).

See ``../shared/reference/cleverreach-api.md`` for the behaviour it follows.

* :class:`EmulatorServer` - runs it on 127.0.0.1 in a background thread.
* :class:`EmulatorClient` - control-API client (reset, faults, request log, user actions).
* :class:`EmulatorSettings` - tunable (partly unknown) behaviour.
* :func:`create_app` - the FastAPI app.
"""

from .app import create_app
from .client import EmulatorClient, EmulatorControlError
from .model import ApiError
from .seed import SeedError, load_seed
from .server import EmulatorServer
from .settings import EmulatorSettings
from .state import State

__all__ = ["EmulatorServer", "EmulatorClient", "EmulatorControlError", "EmulatorSettings", "create_app",
           "State", "ApiError", "SeedError", "load_seed"]
