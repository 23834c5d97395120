"""Attendee routes for after the event: the certificate of attendance."""

from __future__ import annotations

from flask import Blueprint, abort, make_response

from webapp.communication import certificates
from webapp.registration.views import _registration_or_404, manage_rate_limit
from webapp.security import private_page

# Its own blueprint, like the seat routes, so registration.views need not import it back.
bp = Blueprint("after_event", __name__)


@bp.get("/r/<token>/certificate.pdf")
@private_page
@manage_rate_limit
def certificate(token: str):
    """The PDF certificate, for a person who came to an event that has ended."""
    registration = _registration_or_404(token)
    try:
        certificates.check_available(registration)
    except certificates.CertificateRefused as refused:
        abort(403, str(refused))
    response = make_response(certificates.certificate_pdf(registration))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'attachment; filename="certificate.pdf"'
    return response
