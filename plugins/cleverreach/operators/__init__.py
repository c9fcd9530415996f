"""Thin operators: each builds its hooks in ``execute`` and delegates to the pure logic modules."""
