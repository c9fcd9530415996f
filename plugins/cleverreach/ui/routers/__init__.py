"""One router per screen area of the page: tenants, lists, members, recipients (the add dialog), sync,
history, access."""
