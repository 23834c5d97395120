"""/organiser/admin/embedding: where an admin lists the sites that may frame /embed."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import i18n, site_settings
from webapp.embed import origins
from webapp.embed.forms import EmbeddingForm
from webapp.extensions import db, login_manager
from webapp.organiser.auth import admin_or_404

bp = Blueprint("embed_admin", __name__)


@bp.before_request
def require_admin():
    """Signed-in admins only; the page does not exist for other organisers."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    admin_or_404()
    return None


@bp.after_request
def no_store(response):
    """Organiser pages stay out of shared caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


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
