"""Signing in and out of the dashboard, the language switch, and the login guard."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from bot.accounts import staff as accounts
from bot.accounts.staff import SignInRefused, User
from bot.dashboard.i18n import N_, _
from bot.services import services
from locales import LANGUAGES

blueprint = Blueprint("auth", __name__)

WRONG = N_("That email and password do not match an account.")
TOO_MANY = N_("Too many failed sign-ins. Try again in %(minutes)s minutes.")
SIGNED_OUT = N_("You are signed out.")
NO_SECRET = N_("Sign-in is switched off: the server has no SECRET_KEY.")
SIGN_IN_FIRST = N_("Please sign in.")
KEEP_IN_SESSION = ("lang",)


def current_user() -> User | None:
    """The signed-in account of this request (read once), or None."""
    if "user" not in g:
        user_id, fingerprint = session.get("uid"), session.get("fp", "")
        g.user = accounts.load_user(services(), user_id, fingerprint) if user_id else None
        if user_id and g.user is None:  # disabled, or its password changed: signed out
            _clear_session()
    return g.user


def _clear_session() -> None:
    kept = {key: session[key] for key in KEEP_IN_SESSION if key in session}
    session.clear()
    session.update(kept)


def safe_next(target: str | None, default: str) -> str:
    """A path of this site to go back to; anything else is ``default``. Browsers drop tabs
    and newlines from a URL and read a backslash as a slash, so "/%09/evil.com" would
    leave the site: a target with a control or space character or a backslash (as it is,
    or percent-decoded), that starts with "//", or that names a scheme or host, is refused."""
    if not target or not all(_local_path(form) for form in (target, unquote(target))):
        return default
    return target


def _local_path(target: str) -> bool:
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in target):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)


def require_login(admin: bool = False) -> Callable[[], Response | None]:
    """A ``before_request`` hook: sign in first (and be an admin, when ``admin``)."""

    def check() -> Response | None:
        user = current_user()
        if user is None:
            if request.method != "GET" or request.is_json:
                return jsonify({"error": _(SIGN_IN_FIRST)}), 401
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if admin and not user.is_admin:
            abort(403)
        return None

    return check


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    target = safe_next(request.values.get("next"), url_for("overview.overview"))
    if current_user() is not None:
        return redirect(target)
    error, status, email = None, 200, ""
    if request.method == "POST":
        email = request.form.get("email", "")
        if not current_app.config["SECRET_KEY_CONFIGURED"]:
            error, status = _(NO_SECRET), 503
        else:
            try:
                user = accounts.sign_in(
                    services(), email, request.form.get("password", ""), request.remote_addr or ""
                )
            except SignInRefused as refused:
                if refused.retry_after:
                    error = _(TOO_MANY, minutes=accounts.minutes(refused.retry_after))
                    status = 429
                else:
                    error, status = _(WRONG), 401
            else:
                _clear_session()
                session.permanent = True
                session["uid"], session["fp"] = user.id, user.fingerprint
                return redirect(target)
    page = render_template("dashboard/login.html", error=error, email=email, next=target)
    return page, status


@blueprint.post("/logout")
def logout() -> Response:
    user = current_user()
    if user is not None:
        accounts.sign_out(services(), user.id)
    _clear_session()
    flash(_(SIGNED_OUT))
    return redirect(url_for("auth.login"))


@blueprint.post("/language")
def language() -> Response:
    """Switch the dashboard's language (Hindi or English) for this session."""
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next"), url_for("overview.overview")))
