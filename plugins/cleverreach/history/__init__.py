"""Mail history: what CleverReach sent (and opens, clicks, bounces, unsubscribes) as CRM contact history."""
