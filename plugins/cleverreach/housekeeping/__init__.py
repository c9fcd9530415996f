"""Retention: personal data in the integration's stored plans and run messages is kept only as long as needed."""
