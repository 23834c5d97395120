"""Admin pages: the administration overview, the organiser accounts, adding one, sending a
password link, deactivating."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.organiser import accounts, bp, trail
from webapp.organiser.auth import admin_or_404
from webapp.organiser.forms import OrganiserForm
from webapp.organiser.models import Organiser
from webapp.organiser.views import send_reset_link


def _account_or_404(organiser_id: int) -> Organiser:
    organiser = db.session.get(Organiser, organiser_id)
    if organiser is None:
        abort(404)
    return organiser


@bp.get("/admin")
def admin_home():
    """Where an admin finds every site-wide page (admins only)."""
    admin_or_404()
    return render_template("organiser/admin.html")


@bp.get("/accounts")
def account_list():
    """Every organiser account (admins only)."""
    admin_or_404()
    organisers = db.session.scalars(sa.select(Organiser).order_by(Organiser.email))
    return render_template("organiser/accounts.html", organisers=list(organisers))


@bp.route("/accounts/new", methods=["GET", "POST"])
def account_new():
    """Add an organiser, who then chooses a password from an emailed link."""
    admin_or_404()
    form = OrganiserForm()
    if form.validate_on_submit():
        try:
            organiser = accounts.create_organiser(
                form.email.data, None, name=form.name.data or "", is_admin=form.is_admin.data
            )
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            send_reset_link(organiser)
            trail.object_action(
                "organiser.created", "organiser", organiser.id, admin=organiser.is_admin
            )
            db.session.commit()
            flash(
                _(
                    "%(email)s can now be added to events. We emailed them a link to choose "
                    "their password.",
                    email=organiser.email,
                ),
                "success",
            )
            return redirect(url_for("organiser.account_list"))
    status = 422 if request.method == "POST" else 200
    return render_template("organiser/account_form.html", form=form), status


@bp.post("/accounts/<int:organiser_id>/password-link")
def account_password_link(organiser_id: int):
    """Email an organiser a fresh link to choose a password."""
    admin_or_404()
    organiser = _account_or_404(organiser_id)
    if not organiser.is_active_account:
        flash(_("Reactivate the account before sending it a password link."), "error")
    else:
        send_reset_link(organiser)
        db.session.commit()
        flash(
            _("We emailed %(email)s a link to choose a password.", email=organiser.email),
            "success",
        )
    return redirect(url_for("organiser.account_list"))


@bp.post("/accounts/<int:organiser_id>/active")
def account_set_active(organiser_id: int):
    """Deactivate an account (its sessions end at once) or reactivate it."""
    admin_or_404()
    organiser = _account_or_404(organiser_id)
    active = request.form.get("active") == "1"
    if organiser.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("organiser.account_list"))
    was_active = organiser.is_active_account
    accounts.set_active(organiser, active)
    if active != was_active:
        action = "organiser.reactivated" if active else "organiser.deactivated"
        trail.object_action(action, "organiser", organiser.id)
    db.session.commit()
    if active:
        flash(_("%(email)s is reactivated.", email=organiser.email), "success")
    else:
        flash(_("%(email)s is deactivated.", email=organiser.email), "success")
    return redirect(url_for("organiser.account_list"))
