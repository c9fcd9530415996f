"""The live API check: which of the integration's assumptions about CleverReach hold for one account.

The integration was built against an emulator; the behaviours the reference marks as unknown are
assumptions. ``cleverreach_api_check`` exercises every call form the integration relies on in
scratch groups of a tenant's real account and reports, per assumption, ``holds``, ``differs`` (with
what it saw) or ``could not check`` (with why).

* :mod:`.request`: the run's validated inputs, scratch names and derived addresses (pure).
* :mod:`.observations`: what the probes saw, as plain values (pure).
* :mod:`.assumptions`: the catalogue of assumptions and the verdict from an observation (pure).
* :mod:`.scratch`: the only writer of the check, limited to the scratch groups it created.
* :mod:`.service`: runs the probes through the hook and judges them.
* :mod:`.mailings`: the read-only probes of mailings and reports.
"""
