"""The read API at /api/v1: public events, and organisers' events and registrations by token.

`webapp.api.setup.init_app` wires it into the app; the package itself imports nothing, so
that the models module can load `webapp.api.models` without pulling in the views.
"""
