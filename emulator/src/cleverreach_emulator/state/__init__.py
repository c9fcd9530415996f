"""The in-memory CleverReach installation: one :class:`State` facade composed of one mixin per API area.

Every public method takes the one re-entrant ``State.lock``, so the server thread and test threads may
use the state at the same time. Behaviour follows ``../shared/reference/cleverreach-api.md``; what the
reference marks unknown [U] is a field of :class:`~cleverreach_emulator.settings.EmulatorSettings`.
Errors are raised as :class:`~cleverreach_emulator.model.ApiError` (HTTP status and a CleverReach
style message such as ``"Not Found: invalid receiver"``).
"""

from __future__ import annotations

from ..model import ApiError, OAuthError, RawJSON, is_valid_email, token_fingerprint
from ..settings import EmulatorSettings
from .attributes import AttributeOps
from .auth import AuthOps
from .control import ControlOps
from .eventhooks import EventHookOps
from .groups import GroupOps
from .loading import SeedLoading
from .mailings import MailingOps
from .receiver_writes import ReceiverWriteOps
from .receivers import ReceiverReadOps
from .reports import ReportOps

__all__ = ["State", "ApiError", "OAuthError", "RawJSON", "EmulatorSettings", "is_valid_email",
           "token_fingerprint"]


class State(SeedLoading, AuthOps, GroupOps, AttributeOps, ReceiverReadOps, ReceiverWriteOps, ControlOps,
            MailingOps, ReportOps, EventHookOps):
    """The whole emulator: accounts, tokens and data, guarded by ``self.lock``."""
