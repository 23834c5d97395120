"""Talking to attendees and organisers around an event: announcements, organiser
notifications and digests, what changed, postponing, personal join links, and after the
event its materials, follow-up and certificate.

The blueprints live in the views modules, so importing a service from here never pulls in
the organiser pages.
"""
