"""Which CRM fields travel to which CleverReach global attributes."""

from __future__ import annotations

# CleverReach global attribute -> column of the CRM member query (include/sql/queries/select_list_members.sql)
ATTRIBUTE_COLUMNS: dict[str, str] = {
    "salutation": "salutation",
    "firstname": "first_name",
    "lastname": "last_name",
    "function": "function",
    "company": "company",
}

ATTRIBUTE_DESCRIPTIONS: dict[str, str] = {
    "salutation": "Salutation (hyperspace CRM)",
    "firstname": "First name (hyperspace CRM)",
    "lastname": "Last name (hyperspace CRM)",
    "function": "Function (hyperspace CRM)",
    "company": "Company / address name (hyperspace CRM)",
}

ATTRIBUTES: list[str] = list(ATTRIBUTE_COLUMNS)

# Longest attribute value we send; longer CRM values are cut (CleverReach text attributes are short).
MAX_ATTRIBUTE_LENGTH = 250
SOURCE_LABEL = "hyperspace CRM"
