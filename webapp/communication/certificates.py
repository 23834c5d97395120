"""Certificates of attendance: a one-page PDF for a person who came to an event that ended.

Built with fpdf2 and the bundled DejaVu Sans (static/fonts/), whose glyphs cover Latin,
Greek and Cyrillic names ("Łukasz Żółć", "Ørsted"), which PDF's core fonts cannot print.
Labels, the event's title, its date (in the event's own zone) and duration are in the
registration's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from webapp import i18n
from webapp.db import now_utc
from webapp.events.models import EventStatus
from webapp.registration.attendance import came
from webapp.registration.models import Registration, RegistrationStatus

FONT = "DejaVu"


class CertificateRefused(Exception):
    """No certificate for this registration; the message says why, in the page's language."""


def check_available(registration: Registration, *, now: datetime | None = None) -> None:
    """Raise CertificateRefused unless the person came to an event that has ended."""
    event = registration.event
    if registration.status != RegistrationStatus.CONFIRMED or event.status != EventStatus.PUBLISHED:
        raise CertificateRefused(_("There is no certificate for this registration."))
    if (now or now_utc()) < event.ends_at:
        raise CertificateRefused(_("The certificate is available once the event has ended."))
    if not came(registration):
        raise CertificateRefused(
            _("A certificate of attendance is only for people who took part in the event.")
        )


@dataclass(frozen=True)
class CertificateText:
    """Every line of the certificate, in the registration's language."""

    language: str
    heading: str
    name: str
    attended: str
    title: str
    when: str
    organiser: str


def certificate_text(registration: Registration) -> CertificateText:
    """The certificate's words for this registration, in its language."""
    event = registration.event
    language = i18n.supported(registration.language)
    with i18n.language(language):
        organiser = event.organiser_name or (event.owner.name if event.owner else "")
        return CertificateText(
            language=language,
            heading=_("Certificate of attendance"),
            name=registration.full_name,
            attended=_("took part in"),
            title=event.text_in(language).title,
            when=_("on %(date)s, for %(duration)s", date=_dates(event), duration=_duration(event)),
            organiser=_("Organised by %(organiser)s", organiser=organiser) if organiser else "",
        )


def _dates(event) -> str:
    """The day (or days) of the event in its own zone, in the current language."""
    start, end = event.start_local.date(), event.end_local.date()
    if start == end:
        return format_date(start, "long")
    # Both days in full, as the one-day certificate says its day.
    return f"{format_date(start, 'long')} – {format_date(end, 'long')}"


def _duration(event) -> str:
    """'1 hour 30 minutes', or for an event over several days '2 days'."""
    start, end = event.start_local.date(), event.end_local.date()
    if start != end:
        days = (end - start).days + 1
        return ngettext("%(num)d day", "%(num)d days", days)
    minutes = int((event.ends_at - event.starts_at).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes or not hours:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts)


def certificate_pdf(registration: Registration) -> bytes:
    """The certificate as PDF bytes."""
    # Imported here: fpdf2 (with Pillow and fontTools) adds a fifth to the start-up time of
    # every process, web worker and CLI command alike, and only this function needs it.
    from fpdf import FPDF

    text = certificate_text(registration)
    pdf = FPDF(orientation="landscape", format="A4")
    fonts = Path(current_app.static_folder) / "fonts"
    pdf.add_font(FONT, "", fonts / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", fonts / "DejaVuSans-Bold.ttf")
    pdf.set_title(text.heading)
    pdf.set_author(text.organiser)
    pdf.set_lang(text.language)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(29, 78, 216)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)
    pdf.set_y(40)
    _line(pdf, text.heading, 30, bold=True)
    pdf.ln(14)
    _line(pdf, text.name, 26, bold=True)
    pdf.ln(6)
    _line(pdf, text.attended, 16)
    pdf.ln(6)
    _line(pdf, text.title, 20, bold=True)
    pdf.ln(6)
    _line(pdf, text.when, 16)
    pdf.ln(16)
    _line(pdf, text.organiser, 14)
    return bytes(pdf.output())


def _line(pdf, value: str, size: int, *, bold: bool = False) -> None:
    """A centred paragraph that wraps within the frame."""
    if not value:
        return
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_x(24)
    pdf.multi_cell(pdf.w - 48, size * 0.5, value, align="C", new_x="LMARGIN", new_y="NEXT")
