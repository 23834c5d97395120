"""/organiser/admin/embedding: where an admin lists the sites that may frame /embed."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import i18n, site_settings
from webapp.embed import origins
from webapp.embed.forms import EmbeddingForm
from webapp.extensions import db
from webapp.organiser.auth import guard_organiser_area

bp = Blueprint("embed_admin", __name__)
guard_organiser_area(bp, admins_only=True)


@bp.route("/admin/embedding", methods=["GET", "POST"])
def embedding():
    """The allowed origins, and the snippet partner sites paste."""
    form = EmbeddingForm()
    if request.method == "GET":
        form.allowed_origins.data = "\n".join(origins.allowed_origins())
    elif form.validate_on_submit():
        site_settings.save(
            {origins.SETTING: form.origins()}, current_user, action="embed.origins_changed"
        )
        db.session.commit()
        flash(_("The list of sites allowed to embed Convene is saved."), "success")
        return redirect(url_for(".embedding"))
    status = 422 if request.method == "POST" else 200
    snippet = origins.snippet(current_app.config["CONVENE_BASE_URL"], i18n.current_language())
    return render_template("embed/admin.html", form=form, snippet=snippet), status
