"""The organiser's API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.api import tokens
from webapp.extensions import db
from webapp.organiser import bp
from webapp.organiser.api_token_forms import ApiTokenForm


def _form() -> ApiTokenForm:
    form = ApiTokenForm()
    form.set_events(tokens.scope_choices(current_user))
    return form


def _page(form: ApiTokenForm, status: int = 200, new_token: str | None = None):
    body = render_template(
        "organiser/api_tokens.html",
        form=form,
        tokens=tokens.tokens_of(current_user),
        new_token=new_token,
    )
    return body, status


@bp.get("/api-tokens")
def api_tokens():
    """The organiser's API tokens and the form for a new one."""
    return _page(_form())


@bp.post("/api-tokens")
def api_token_create():
    """Create a token and show it this once (it is stored only as a hash)."""
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        _token, plain = tokens.create_token(current_user, form.name.data, form.event_id())
    except tokens.TokenError:
        form.scope.errors.append(_("Choose one of your events."))
        return _page(form, 422)
    db.session.commit()
    return _page(_form(), new_token=plain)


@bp.post("/api-tokens/<int:token_id>/revoke")
def api_token_revoke(token_id: int):
    """Revoke a token: it stops working at once."""
    if token_id > 2**31 - 1:
        abort(404)
    try:
        tokens.revoke_token(current_user, token_id)
    except tokens.TokenError:
        abort(404)
    db.session.commit()
    flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("organiser.api_tokens"))
