"""Admin pages for sign-in security: who must use two-step sign-in, and resetting it for a
locked-out organiser."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import site_settings
from webapp.extensions import db
from webapp.organiser import bp, two_factor
from webapp.organiser.auth import admin_or_404
from webapp.organiser.two_factor_forms import RequirementForm


@bp.route("/admin/security", methods=["GET", "POST"])
def admin_security():
    """Whether nobody, administrators or every organiser must use two-step sign-in."""
    admin_or_404()
    form = RequirementForm()
    if request.method == "GET":
        form.require.data = site_settings.get(two_factor.REQUIREMENT_KEY, "none")
    elif form.validate_on_submit():
        two_factor.save_requirement(form.require.data, current_user._get_current_object())
        db.session.commit()
        flash(_("The sign-in rules are saved."), "success")
        return redirect(url_for("organiser.admin_security"))
    status = 422 if request.method == "POST" else 200
    return render_template("organiser/admin_security.html", form=form), status


@bp.post("/accounts/<int:organiser_id>/two-step/reset")
def account_two_factor_reset(organiser_id: int):
    """Clear an organiser's two-step sign-in (a lost phone); they enrol again at sign-in."""
    admin_or_404()
    try:
        organiser = two_factor.reset_by_admin(current_user._get_current_object(), organiser_id)
    except two_factor.TwoFactorError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(
        _(
            "Two-step sign-in of %(email)s is reset: they set it up again at their next sign-in.",
            email=organiser.email,
        ),
        "success",
    )
    return redirect(url_for("organiser.account_list"))
