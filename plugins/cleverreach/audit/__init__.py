"""The audit trail: who did what (a person or a run), recorded with the change, read back on the page."""
