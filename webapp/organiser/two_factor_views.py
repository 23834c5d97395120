"""Two-step sign-in pages: the code after the password, enrolment, recovery codes, turning off.

Enrolment serves both a signed-in organiser (Settings) and one whose password passed but
who must enrol before being signed in (the session's "enrol" marker): they are signed in
only once a code from the new secret is confirmed.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user

from webapp.extensions import db, limiter, login_manager
from webapp.organiser import accounts, bp, recovery_codes, sign_in_flow, two_factor
from webapp.organiser.auth import safe_next
from webapp.organiser.models import Organiser
from webapp.organiser.two_factor_forms import CodeForm, DisableForm, SecondStepForm


def _limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    """The account a code is tried for: the signed-in one, or the one the marker names."""
    if current_user.is_authenticated:
        return f"second-step:{current_user.id}"
    account = sign_in_flow.marker_account()
    return f"second-step:{account}" if account is not None else get_remote_address()


def _failed(response) -> bool:
    # Only wrong codes count: an accepted code redirects or shows the recovery codes.
    return response.status_code == 422


def _limited(view):
    """The password's rate limit, per client and per account, counting only failures."""
    for key_func in (_account_key, get_remote_address):
        view = limiter.limit(_limit, methods=["POST"], key_func=key_func, deduct_when=_failed)(view)
    return view


@bp.route("/sign-in/code", methods=["GET", "POST"])
@_limited
def second_step():
    """The second step: a code from the authenticator app or an unused recovery code."""
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("organiser.events"))
    organiser = sign_in_flow.marker_organiser("code")
    if organiser is None:
        return _start_again(target)
    form = SecondStepForm()
    if form.validate_on_submit():
        kind = two_factor.check_second_step(organiser.id, form.code.data)
        if kind is not None:
            return sign_in_flow.complete(organiser, kind, target)
        db.session.commit()  # the failure is counted and audited
        form.code.errors.append(
            _("That code is not right, or it was already used. Please try again.")
        )
    status = 422 if request.method == "POST" else 200
    return render_template("organiser/second_step.html", form=form, next=target), status


def _start_again(target: str | None):
    flash(_("Please sign in again: that sign-in was too old or had too many wrong codes."), "error")
    return redirect(url_for("organiser.sign_in", next=target))


def _organiser() -> Organiser | None:
    """Whoever is enrolling: the signed-in organiser, or the session's 'enrol' marker."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return sign_in_flow.marker_organiser("enrol")


def _page(organiser: Organiser, status: int = 200, **forms):
    pending = two_factor.enrolment(organiser, session.get(sign_in_flow.PENDING_KEY))
    context = {
        "confirm_form": CodeForm(),
        "codes_form": CodeForm(),
        "disable_form": DisableForm(),
        "required": two_factor.required_for(organiser),
        "signed_in": current_user.is_authenticated,
        "organiser": organiser,
        "pending": None if organiser.has_two_factor else pending,
        "remaining": recovery_codes.remaining(organiser),
    }
    context.update(forms)
    return render_template("organiser/two_factor.html", **context), status


@bp.get("/two-step", endpoint="two_factor")
def two_factor_page():
    """Two-step sign-in: its state and what can be done with it."""
    organiser = _organiser()
    if organiser is None:
        return login_manager.unauthorized()
    return _page(organiser)


@bp.post("/two-step/start")
def two_factor_start():
    """Make a new secret, kept encrypted in this session until a code confirms it."""
    organiser = _organiser()
    if organiser is None:
        return login_manager.unauthorized()
    if not organiser.has_two_factor:
        session[sign_in_flow.PENDING_KEY] = two_factor.new_pending_secret()
    return redirect(url_for("organiser.two_factor"))


@bp.post("/two-step/confirm")
@_limited
def two_factor_confirm():
    """Turn two-step sign-in on with a code from the new secret; show the recovery codes."""
    organiser = _organiser()
    if organiser is None:
        return login_manager.unauthorized()
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(organiser, 422, confirm_form=form)
    try:
        codes = two_factor.confirm_enrolment(
            organiser.id, session.get(sign_in_flow.PENDING_KEY), form.code.data
        )
    except two_factor.TwoFactorError as error:
        db.session.rollback()
        form.code.errors.append(str(error))
        return _page(organiser, 422, confirm_form=form)
    session.pop(sign_in_flow.PENDING_KEY, None)
    if current_user.is_authenticated:
        _fresh_session(organiser)
    else:
        sign_in_flow.sign_in_now(organiser, "totp")
    return _codes_page(codes, _("Two-step sign-in is on."))


def _fresh_session(organiser: Organiser) -> None:
    """End the organiser's other sessions, which passed only a password; keep this one."""
    accounts.end_sessions(organiser)
    db.session.commit()
    session.clear()
    login_user(organiser)


def _codes_page(codes: list[str], message: str):
    text = "\r\n".join([_("Convene recovery codes (each works once):"), *codes, ""])
    download = "data:text/plain;charset=utf-8," + quote(text)
    return render_template(
        "organiser/recovery_codes.html", codes=codes, download=download, message=message
    )


@bp.post("/two-step/recovery-codes")
@_limited
def two_factor_codes():
    """New recovery codes after a current code; the old ones stop working."""
    form = CodeForm()
    organiser = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            codes = two_factor.regenerate_codes(organiser.id, form.code.data)
        except two_factor.TwoFactorError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            return _codes_page(codes, _("Your new recovery codes are ready."))
    return _page(organiser, 422, codes_form=form)


@bp.post("/two-step/disable")
@_limited
def two_factor_disable():
    """Turn two-step sign-in off with the password and a current code, unless required."""
    form = DisableForm()
    organiser = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            two_factor.disable(organiser.id, form.password.data, form.code.data)
        except two_factor.TwoFactorError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("organiser.two_factor"))
    return _page(organiser, 422, disable_form=form)
