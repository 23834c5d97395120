"""/organiser/events/<id>/image: the organiser uploads or removes an event's share image.

This blueprint alone accepts request bodies up to EVENT_IMAGE_MAX_BYTES (plus room for the
form); the rest of the site keeps MAX_CONTENT_LENGTH.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.images import processing, services
from webapp.images.forms import ImageForm
from webapp.organiser.auth import event_or_404, guard_organiser_area

bp = Blueprint("event_images_admin", __name__)
guard_organiser_area(bp)
FORM_OVERHEAD = 64 * 1024


@bp.url_value_preprocessor
def allow_image_bodies(_endpoint, _values):
    """Raise the body limit before anything (the CSRF check, the NUL filter) reads the form;
    for signed-in organisers only, so nobody else can make the server read a large body."""
    if current_user.is_authenticated:
        request.max_content_length = current_app.config["EVENT_IMAGE_MAX_BYTES"] + FORM_OVERHEAD


def _page(event, form: ImageForm, status: int = 200):
    return render_template(
        "images/organiser.html",
        event=event,
        form=form,
        has_upload=services.uploaded_digest(event.id) is not None,
        max_megabytes=current_app.config["EVENT_IMAGE_MAX_BYTES"] // (1024 * 1024),
    ), status


@bp.get("/events/<int:event_id>/image")
def image_page(event_id: int):
    """The image the event shares, and the upload form."""
    return _page(event_or_404(event_id), ImageForm())


@bp.post("/events/<int:event_id>/image")
def image_upload(event_id: int):
    """Check, prepare and store an uploaded image; any fault is a 4xx and nothing stored."""
    event = event_or_404(event_id)
    form = ImageForm()
    if not form.validate_on_submit():
        return _page(event, form, 422)
    data = form.image.data.read(current_app.config["EVENT_IMAGE_MAX_BYTES"] + 1)
    if len(data) > current_app.config["EVENT_IMAGE_MAX_BYTES"]:
        limit = current_app.config["EVENT_IMAGE_MAX_BYTES"] // (1024 * 1024)
        form.image.errors.append(_("The file is too large: at most %(limit)s MB.", limit=limit))
        return _page(event, form, 413)
    try:
        prepared = processing.prepare_upload(
            data,
            form.image.data.filename or "",
            max_pixels=current_app.config["EVENT_IMAGE_MAX_PIXELS"],
        )
    except processing.ImageRejected as error:
        form.image.errors.append(str(error))
        return _page(event, form, 422)
    services.set_image(event_or_404(event_id, lock=True), prepared, current_user)
    db.session.commit()
    flash(_("The image is saved. Shared links to the event now show it."), "success")
    return redirect(url_for(".image_page", event_id=event_id))


@bp.post("/events/<int:event_id>/image/remove")
def image_remove(event_id: int):
    """Remove the uploaded image; the generated card is shared again."""
    event = event_or_404(event_id, lock=True)
    if services.remove_image(event, current_user):
        db.session.commit()
        flash(_("The image is removed. Shared links show the generated card again."), "success")
    return redirect(url_for(".image_page", event_id=event_id))
