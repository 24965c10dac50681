"""Signing staff in to the dashboard from tests, through the real login form and CSRF."""

from __future__ import annotations

import re

from bot.accounts import staff as accounts
from bot.services import services

PASSWORD = "a long enough password"
# The browser's language: pages are in English unless the session chose Hindi.
ENGLISH = {"Accept-Language": "en"}


def csrf_token(page: str) -> str:
    """The CSRF token a dashboard page carries (its ``csrf-token`` meta tag), or "" for a
    page without one (a printable due list)."""
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    return found[1] if found else ""


class Staff:
    """A signed-in member of staff: ``get`` pages, ``post`` forms with the CSRF token."""

    def __init__(self, client) -> None:
        self.client = client
        self.token = ""

    def get(self, path: str, **kwargs):
        response = self.client.get(path, headers=ENGLISH | kwargs.pop("headers", {}), **kwargs)
        if response.mimetype == "text/html":
            self.token = csrf_token(response.get_data(as_text=True)) or self.token
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):
        headers = ENGLISH | kwargs.pop("headers", {})
        form = {"csrf_token": self.token, **(data or {})}
        return self.client.post(path, data=form, headers=headers, **kwargs)


def sign_in(app, client, email: str = "admin@tika.example", role: str = "admin", districts=()):
    """Create the account and sign in with it; returns a ``Staff``."""
    accounts.create_user(services(app), email, PASSWORD, role, list(districts))
    staff = Staff(client)
    staff.get("/login")
    response = staff.post("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    staff.get("/dashboard")
    return staff
