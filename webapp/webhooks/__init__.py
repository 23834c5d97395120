"""Webhooks: organisers' URLs that hear about registrations and event changes.

Deliveries are written in the cause's transaction (services.py), signed (signing.py) and
sent by the worker (delivery.py) to checked public addresses only (addresses.py). The
pages live in the organiser area, on views.py's blueprint; this package imports nothing
itself, so registration services can queue deliveries without importing any view.
"""
