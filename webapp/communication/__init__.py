"""Communication around an event: what attendees are told and given before and after it."""
