"""The programme dashboard and the phone simulator: web pages for staff, behind a login.

``install(app)`` adds CSRF protection to every form (the Twilio webhooks and the token
API are exempt: they are signed or carry a token), the pages' language, and the pages.
Every page but the sign-in needs a signed-in account; a district officer sees only their
districts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import Blueprint, Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from bot.dashboard import i18n
from bot.dashboard.i18n import N_, _

NAV = (
    ("overview.overview", N_("Overview")),
    ("broadcast_pages.index", N_("Broadcasts")),
    ("campaign_pages.index", N_("Campaigns")),
    ("duelist_pages.index", N_("Due lists")),
    ("family_pages.index", N_("Families")),
    ("simulator.index", N_("Simulator")),
    ("queues.index", N_("Queues")),
)

# Templates and static files shared by every page.
assets = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard/static",
)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, which skip building a signer for a request that
    carries no session cookie (every webhook request)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def install(app: Flask, secret_configured: bool, exempt: Iterable[Blueprint] = ()) -> None:
    """CSRF (except on the ``exempt`` blueprints), the language, sessions and every page
    of the dashboard and simulator."""
    from bot.dashboard import (
        auth,
        broadcast_pages,
        campaign_pages,
        duelist_pages,
        family_pages,
        overview,
        queues,
        simulator,
    )

    config = app.config
    config["SECRET_KEY_CONFIGURED"] = secret_configured
    config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=config["DASHBOARD_SESSION_HOURS"])
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = bool(config["DASHBOARD_SECURE_COOKIE"])
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lasts as long as the session
    app.session_interface = CookieSessions()
    csrf = CSRFProtect(app)
    for blueprint in exempt:
        csrf.exempt(blueprint)
    i18n.install(app)
    app.register_blueprint(assets)

    @app.context_processor
    def page_context() -> dict:
        user = auth.current_user()
        links = (
            [(e, _(label)) for e, label in NAV if e != "queues.index" or user.is_admin]
            if user
            else []
        )
        return {"user": user, "nav": links}

    app.register_blueprint(auth.blueprint)
    pages = (
        overview,
        broadcast_pages,
        campaign_pages,
        duelist_pages,
        family_pages,
        queues,
        simulator,
    )
    for page in pages:
        app.register_blueprint(page.blueprint)
    guarded = {page.blueprint.name: auth.require_login() for page in pages}
    guarded[queues.blueprint.name] = auth.require_login(admin=True)

    @app.before_request
    def signed_in_only():
        """Every page of the dashboard needs a signed-in account (queues: an admin)."""
        check = guarded.get(request.blueprint or "")
        return check() if check else None
