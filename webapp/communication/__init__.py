"""Talking to attendees and organisers: announcements, organiser notifications, digests.

The blueprint lives in webapp.communication.views, so importing a service from here never
pulls in the organiser pages.
"""
