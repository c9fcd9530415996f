"""Hooks: CleverReach REST API v3 and the hyperspace CRM database."""
