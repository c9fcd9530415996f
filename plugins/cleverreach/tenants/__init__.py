"""Tenants (Mandanten): which CRM tenants a run works on, and their CleverReach connections."""
