"""Talking to attendees and organisers: announcements, organiser notifications, digests,
what changed, postponing, personal join links.

The blueprints live in the views modules, so importing a service from here never pulls in
the organiser pages.
"""
