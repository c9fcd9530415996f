"""Recipient lists: importing CleverReach groups into the CRM."""
