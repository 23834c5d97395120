"""Importing attendees from a CSV file: upload, preview with row-by-row findings, confirm."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from webapp.extensions import db
from webapp.organiser import bp, trail
from webapp.organiser.attendee_forms import ImportConfirmForm, ImportUploadForm
from webapp.organiser.auth import event_or_404
from webapp.privacy import notice
from webapp.registration import corrections, imports


def _upload_page(event, form, status: int = 200, problem: str = ""):
    return render_template(
        "organiser/import.html",
        event=event,
        form=form,
        problem=problem,
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
        max_kb=current_app.config["IMPORT_MAX_BYTES"] // 1024,
        columns=imports.HEADERS,
        labels_of_columns=imports.FIELD_LABELS,
    ), status


@bp.get("/events/<int:event_id>/import")
def import_form(event_id: int):
    """Choose a CSV file of attendees."""
    event = event_or_404(event_id)
    return _upload_page(event, ImportUploadForm())


@bp.post("/events/<int:event_id>/import")
def import_upload(event_id: int):
    """Check the file and show what it would add; only the checked rows are kept."""
    event = event_or_404(event_id)
    form = ImportUploadForm()
    if not form.validate():
        return _upload_page(event, form, 422)
    upload = form.file.data
    config = current_app.config
    # One byte more than allowed is enough to know the file is too large.
    data = upload.stream.read(config["IMPORT_MAX_BYTES"] + 1)
    try:
        report = imports.read_import(
            data, event, max_bytes=config["IMPORT_MAX_BYTES"], max_rows=config["IMPORT_MAX_ROWS"]
        )
    except imports.UnreadableFile as error:
        return _upload_page(event, form, 422, problem=str(error))
    pending = corrections.keep_import(
        event,
        report.rows,
        organiser_id=current_user.id,
        file_name=secure_filename(upload.filename or ""),
    )
    db.session.commit()
    return render_template(
        "organiser/import_preview.html",
        event=event,
        report=report,
        pending_id=pending.id,
        form=ImportConfirmForm(formdata=None, send_email=True),
    )


@bp.post("/events/<int:event_id>/import/<int:pending_id>")
def import_confirm(event_id: int, pending_id: int):
    """Add the previewed rows in one transaction; a second confirmation adds no one."""
    event = event_or_404(event_id)
    form = ImportConfirmForm()
    if not form.validate():
        flash(_("The form had expired. Upload the file again."), "error")
        return redirect(url_for(".import_form", event_id=event.id))
    try:
        result = corrections.confirm_import(
            event,
            pending_id,
            privacy_notice_version=notice.current_version(),
            send_email=form.send_email.data,
            skip_capacity=form.skip_capacity.data,
        )
    except corrections.CannotAdd:
        db.session.rollback()
        flash(_("No one can be added: the event is cancelled, over or not published."), "error")
        return redirect(url_for(".attendee_list", event_id=event.id), 303)
    if result is None:
        db.session.rollback()
        flash(_("This import was already stored, or has expired: nothing was added."), "error")
        return redirect(url_for(".attendee_list", event_id=event.id), 303)
    trail.event_action(
        "attendee.imported",
        event,
        rows=result.confirmed + result.waitlisted,
        confirmed=result.confirmed,
        waitlisted=result.waitlisted,
        skipped=result.skipped,
        email_sent=bool(form.send_email.data),
    )
    db.session.commit()
    flash(
        _(
            "Imported: %(confirmed)s with a seat, %(waitlisted)s on the waiting list,"
            " %(skipped)s skipped as already registered.",
            confirmed=result.confirmed,
            waitlisted=result.waitlisted,
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect(url_for(".attendee_list", event_id=event.id), 303)
