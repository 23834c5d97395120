"""Attendee registration: form, seat allocation with a waiting list, self-service."""
