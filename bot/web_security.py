"""What every response and request of the web service gets, whatever it is for: security
headers (flask-talisman), no caching of anything personal, a bounded request body, and
the client's address behind a configured number of trusted proxies (werkzeug's ProxyFix).
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

# Scripts come from our own files only; the pages' small <style> blocks and style
# attributes need 'unsafe-inline' for styles (never for scripts).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
STATIC_PREFIX = "/dashboard/static/"


def install(app: Flask) -> None:
    """Headers, body limit and proxy handling, from the app's config."""
    config = app.config
    hops = config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    secure = bool(config["DASHBOARD_SECURE_COOKIE"])
    Talisman(
        app,
        force_https=False,  # TLS ends at the proxy; the cookie setting says whether it is used
        strict_transport_security=secure,
        session_cookie_secure=secure,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
    )

    @app.after_request
    def no_store(response: Response) -> Response:
        """Pages, files and webhook answers hold names and numbers: never cached."""
        if not request.path.startswith(STATIC_PREFIX):
            response.headers["Cache-Control"] = "no-store"
        return response
