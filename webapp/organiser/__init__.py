"""Organisers: accounts, event management, attendee lists and exports."""
