"""What the attendee's manage page shows after the event: materials and the certificate."""

from __future__ import annotations

from webapp.communication import certificates
from webapp.communication.materials import attendee_materials
from webapp.registration.models import Registration


def after_event_values(registration: Registration) -> dict:
    """Template values for the manage page: `materials` (or None) and `certificate` (bool)."""
    try:
        certificates.check_available(registration)
    except certificates.CertificateRefused:
        certificate = False
    else:
        certificate = True
    return {"materials": attendee_materials(registration), "certificate": certificate}
