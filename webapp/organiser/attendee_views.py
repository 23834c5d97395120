"""Attendee pages for one event: counts, chart, searchable table, actions and exports."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import audit, i18n
from webapp.extensions import db
from webapp.mail import bounces
from webapp.organiser import attendees, bp, export, trail
from webapp.organiser.auth import event_or_404, registration_or_404, safe_next
from webapp.organiser.chart import per_day_chart
from webapp.organiser.purged import purged_view
from webapp.registration import services as registration_services
from webapp.registration.answers import answer_counts, answer_map
from webapp.registration.availability import mode_seats
from webapp.registration.models import RegistrationStatus
from webapp.registration.questions import chosen_columns, questions_of

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


@bp.get("/events/<int:event_id>/attendees")
def attendee_list(event_id: int):
    """Counts, registrations per day, and a page of the filtered attendee table."""
    event = event_or_404(event_id)
    wanted = attendees.AttendeeFilter.from_args(request.args)
    page = attendees.attendee_page(
        event.id,
        wanted,
        per_page=current_app.config["ATTENDEES_PER_PAGE"],
        older=_cursor("older"),
        newer=_cursor("newer"),
    )
    overview = attendees.summary(event)
    questions = questions_of(event.id, include_hidden=True)
    shown = chosen_columns(questions, request.args.getlist("col"))
    shown_ids = [question.id for question in shown]
    return render_template(
        "organiser/attendees.html",
        event=event,
        counts=overview.counts,
        capacity_left=overview.counts.capacity_left(event.capacity),
        mode_seats=mode_seats(event) if event.is_hybrid else None,
        waitlist_closed=attendees.waitlist_closed_at(event),
        chart=per_day_chart(overview.per_day),
        wanted=wanted,
        page=page,
        undeliverable=bounces.undeliverable_ids([r.id for r in page.items]),
        statuses=attendees.STATUS_FILTERS,
        count_cap=attendees.COUNT_CAP,
        here=request.full_path.rstrip("?"),
        language_names={code: i18n.language_name(code) for code in i18n.languages()},
        questions=questions,
        shown_questions=shown,
        answers=answer_map([r.id for r in page.items], shown_ids),
        answer_counts=answer_counts(questions),
        keep={**wanted.as_args(), "col": shown_ids},
        purged=purged_view(event),
    )


# Each action: the registration service that performs it, and what to tell the organiser.
ACTIONS = {
    "cancel": (
        "cancel_by_organiser",
        _l("%(name)s's registration is cancelled and they will get an email."),
    ),
    "promote": ("promote", _l("%(name)s now has a seat and will get an email.")),
    "check-in": ("check_in", _l("%(name)s is checked in.")),
    "undo-check-in": ("undo_check_in", _l("%(name)s's check-in is undone.")),
    "resend": (
        "resend_confirmation",
        _l("The confirmation email will be sent to %(name)s again."),
    ),
}


# The audit log's name for each action.
LOGGED_AS = {
    "cancel": "attendee.cancelled",
    "promote": "attendee.promoted",
    "check-in": "attendee.checked_in",
    "undo-check-in": "attendee.check_in_undone",
    "resend": "attendee.message_resent",
}


def _back_to_list(event_id: int):
    target = safe_next(request.form.get("next"))
    prefix = url_for("organiser.attendee_list", event_id=event_id)
    if target is None or not target.startswith(prefix):
        target = prefix
    return redirect(target)


ACTION_RULE = "<any(" + ", ".join(f'"{name}"' for name in ACTIONS) + "):action>"


@bp.post(f"/events/<int:event_id>/attendees/<int:registration_id>/{ACTION_RULE}")
def attendee_action(event_id: int, registration_id: int, action: str):
    """Cancel, promote, check in, undo a check-in, or resend: each through the service layer."""
    event = event_or_404(event_id)
    registration = registration_or_404(event, registration_id)
    service, message = ACTIONS[action]
    name = registration.full_name
    before = audit.snapshot(registration, ("status", "checked_in_at"))
    try:
        result = getattr(registration_services, service)(registration)
    except registration_services.RegistrationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        freed_to = result if action == "cancel" and result is not None else None
        promoted = freed_to.full_name if freed_to is not None else None
        details = {"seat_given_to": freed_to.id} if freed_to is not None else {}
        # A repeated click (cancelling the cancelled) changes nothing and is not logged.
        if action == "resend" or audit.changed_fields(before, registration):
            trail.attendee_action(LOGGED_AS[action], registration, **details)
        db.session.commit()
        flash(str(message) % {"name": name}, "success")
        if promoted:
            flash(
                _("%(name)s from the waiting list gets the freed seat.", name=promoted),
                "success",
            )
    return _back_to_list(event.id)


@bp.get("/events/<int:event_id>/attendees/<int:registration_id>/cancel")
def attendee_cancel_confirm(event_id: int, registration_id: int):
    """Ask before cancelling someone's registration (they are emailed)."""
    event = event_or_404(event_id)
    registration = registration_or_404(event, registration_id)
    if registration.status == RegistrationStatus.CANCELLED:
        flash(
            _(
                "%(name)s's registration is already cancelled.",
                name=registration.full_name,
            ),
            "error",
        )
        return redirect(url_for("organiser.attendee_list", event_id=event.id))
    return render_template(
        "organiser/attendee_cancel.html",
        event=event,
        registration=registration,
        next=safe_next(request.args.get("next")),
    )


def _record_export(event, wanted, file_format: str, rows: int, *, complete: bool = True) -> None:
    """Log an export with its format and data rows (whether filtered, never the search words).

    A download is read, not a change, but auditors must see who took the data: the entry
    is the one thing a GET writes, in its own short write transaction.
    """
    details = {
        "format": file_format,
        "rows": rows,
        "filtered": wanted != attendees.AttendeeFilter(),
    }
    if not complete:
        details["complete"] = False
    trail.event_action("attendee.exported", event, **details)
    db.session.commit()


@bp.get("/events/<int:event_id>/attendees.csv")
def export_csv(event_id: int):
    """The filtered list as CSV; `?sep=semicolon` for Excel in European locales."""
    event = event_or_404(event_id)
    wanted = attendees.AttendeeFilter.from_args(request.args)
    delimiter = ";" if request.args.get("sep") == "semicolon" else ","
    questions = export.export_questions(event)
    rows = trail.Counted(export.export_rows(event, wanted, questions))
    chunks = export.csv_stream(event, rows, delimiter=delimiter, questions=questions)
    name = export.file_name(event, "csv")

    def finish(complete: bool) -> None:
        _record_export(event, wanted, "csv", rows.count, complete=complete)

    return Response(
        stream_with_context(trail.logged_stream(chunks, finish)),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


@bp.get("/events/<int:event_id>/attendees.xlsx")
def export_xlsx(event_id: int):
    """The filtered list as an Excel workbook."""
    event = event_or_404(event_id)
    wanted = attendees.AttendeeFilter.from_args(request.args)
    questions = export.export_questions(event)
    rows = trail.Counted(export.export_rows(event, wanted, questions))
    output = export.write_xlsx(event, rows, questions)
    _record_export(event, wanted, "xlsx", rows.count)
    return send_file(
        output,
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=export.file_name(event, "xlsx"),
    )
