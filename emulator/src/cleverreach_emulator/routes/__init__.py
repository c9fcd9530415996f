"""One router per API area; :func:`cleverreach_emulator.app.create_app` includes them all."""
