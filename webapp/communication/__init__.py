"""Talking to attendees about their event: what changed, postponing, personal join links."""
