"""Data-subject erasure (GDPR art. 17): a person leaves the tenant's CleverReach account and the integration's copies."""
