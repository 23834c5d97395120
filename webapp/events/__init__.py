"""Public catalogue: the event model, listing and event pages."""
