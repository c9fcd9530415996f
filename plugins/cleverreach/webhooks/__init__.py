"""CleverReach receiver webhooks: an unsubscribe reaches the CRM when it happens (see ``webhooks.app``)."""
