"""Organiser routes: signing in and out, passwords, and the rules for the whole area.

Event, attendee and account routes live in event_views.py, attendee_views.py and
account_views.py on the same blueprint. Every route requires a signed-in organiser unless
listed in OPEN_ENDPOINTS.
"""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from webapp.extensions import db, limiter, login_manager
from webapp.organiser import accounts, bp, labels, sign_in_flow, sign_in_steps
from webapp.organiser.auth import enrolment_redirect, safe_next
from webapp.organiser.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    NewPasswordForm,
    SignInForm,
)

# The two-step pages check the session's password marker themselves (sign_in_flow.py).
OPEN_ENDPOINTS = {
    "organiser.sign_in",
    "organiser.forgot_password",
    "organiser.reset_password",
    "organiser.second_step",
    "organiser.two_factor",
    "organiser.two_factor_start",
    "organiser.two_factor_confirm",
}
BAD_CREDENTIALS = _l("The email address or password is not right. Please try again.")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _submitted_email() -> str:
    return "sign-in:" + accounts.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    # Only failed attempts count: a successful sign-in redirects.
    return response.status_code != 302


@bp.before_request
def require_sign_in():
    """Signed-out visitors are sent to sign in, on every organiser URL but the open ones;
    organisers who must still enrol in two-step sign-in, to enrolment."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return enrolment_redirect()


@bp.after_request
def no_store(response):
    """Organiser pages hold attendees' personal data: keep them out of shared caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def status_labels() -> dict:
    """Statuses and email kinds as the page's language names them."""
    return labels.template_labels()


@bp.get("/")
def home():
    """The organiser's start page is their event list."""
    return redirect(url_for("organiser.events"))


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=get_remote_address, deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_submitted_email, deduct_when=_failed)
def sign_in():
    """Email and password; the same answer whether the email or the password was wrong."""
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("organiser.events"))
    form = SignInForm()
    if form.validate_on_submit():
        organiser = accounts.authenticate(form.email.data, form.password.data)
        if organiser is not None:
            return sign_in_flow.password_passed(organiser, target)
        sign_in_steps.record_sign_in_failed(form.email.data)
        db.session.commit()
        form.password.errors.append(str(BAD_CREDENTIALS))
    status = 422 if request.method == "POST" else 200
    return render_template("organiser/sign_in.html", form=form, next=target), status


@bp.post("/sign-out")
def sign_out():
    """End this session and every copy of its cookie."""
    sign_in_steps.sign_out(current_user._get_current_object())
    return _signed_out(_("You are signed out."))


def _signed_out(message: str):
    """Commit what ended the session, forget this browser's session, and go to sign-in."""
    db.session.commit()
    logout_user()
    session.clear()
    flash(message, "success")
    return redirect(url_for("organiser.sign_in"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=get_remote_address)
def forgot_password():
    """Email a reset link, with the same answer whether or not the account exists."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("organiser/forgot_password.html", form=form), status
    organiser = accounts.find_by_email(form.email.data)
    if organiser is not None and organiser.is_active_account:
        send_reset_link(organiser)
        sign_in_steps.record_password_link_sent(organiser)
        db.session.commit()
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    flash(
        _(
            "If an organiser account uses that address, we have emailed it a link to choose a "
            "new password. The link works once, within %(hours)s hours.",
            hours=hours,
        ),
        "success",
    )
    return redirect(url_for("organiser.sign_in"))


def send_reset_link(organiser) -> None:
    base_url = current_app.config["CONVENE_BASE_URL"]
    accounts.send_password_reset(
        organiser,
        current_app.config["SECRET_KEY"],
        lambda token: base_url + url_for("organiser.reset_password", token=token),
    )


def _organiser_for_token(token: str):
    return accounts.organiser_for_reset(
        token,
        current_app.config["SECRET_KEY"],
        max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=get_remote_address)
def reset_password(token: str):
    """Choose a new password from an emailed link; the link then stops working."""
    organiser = _organiser_for_token(token)
    if organiser is None:
        return render_template("organiser/reset_invalid.html"), 400
    form = NewPasswordForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("organiser/reset_password.html", form=form), status
    sign_in_steps.reset_password(organiser, form.password.data)
    return _signed_out(_("Your new password is set. Please sign in with it."))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=get_remote_address, deduct_when=_failed)
def change_password():
    """A signed-in organiser chooses a new password; other sessions end."""
    form = ChangePasswordForm()
    valid = form.validate_on_submit()
    if valid and accounts.authenticate(current_user.email, form.current.data) is None:
        form.current.errors.append(_("This is not your current password."))
    if request.method == "GET" or any(field.errors for field in form):
        status = 422 if request.method == "POST" else 200
        return render_template("organiser/change_password.html", form=form), status
    organiser = current_user._get_current_object()
    sign_in_steps.change_password(organiser, form.password.data)
    db.session.commit()
    session.clear()
    login_user(organiser)  # this browser keeps working with the new session version
    flash(_("Your password is changed. Other browsers have been signed out."), "success")
    return redirect(url_for("organiser.events"))
