"""Dashboard accounts: signing in and out, CSRF, rate-limited sign-ins, the users CLI."""

import pytest

from tests.dashboard_support import PASSWORD, Staff, csrf_token, sign_in

PAGES = [
    "/dashboard",
    "/dashboard/broadcasts",
    "/dashboard/campaigns",
    "/dashboard/duelists",
    "/simulator",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_asks_to_sign_in_first(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_signing_in_and_out(app, client):
    staff = sign_in(app, client)
    page = staff.get("/dashboard")
    assert page.status_code == 200 and "admin@tika.example" in page.get_data(as_text=True)
    assert staff.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(app, client):
    staff = sign_in(app, client)
    assert client.post("/logout").status_code == 400  # no token: still signed in
    assert staff.get("/dashboard").status_code == 200


def test_wrong_passwords_are_refused_and_then_every_attempt_for_a_while(app, client):
    sign_in(app, client, "officer@tika.example", "district", ["LUCKNOW"])
    other = app.test_client()
    staff = Staff(other)
    staff.get("/login")
    for _ in range(5):
        wrong = staff.post("/login", {"email": "officer@tika.example", "password": "not it at all"})
        assert wrong.status_code == 401 and "do not match" in wrong.get_data(as_text=True)
    right = staff.post("/login", {"email": "officer@tika.example", "password": PASSWORD})
    assert right.status_code == 429 and "Try again in 15 minutes" in right.get_data(as_text=True)


@pytest.mark.both_databases
def test_a_nul_byte_in_the_sign_in_form_is_a_wrong_sign_in_not_an_error(app, client):
    """PostgreSQL holds no NUL in a text: an email with one matches no account. And scrypt
    keys its HMAC with the password padded with NULs: a password with NULs after it would
    match."""
    email = "officer@tika.example"
    sign_in(app, client, email, "district", ["LUCKNOW"])
    staff = Staff(app.test_client())
    staff.get("/login")
    for form in (
        {"email": email + "\x00", "password": PASSWORD},
        {"email": email, "password": PASSWORD + "\x00"},
        {"email": email, "password": PASSWORD + "\x00\x00\x00"},
    ):
        wrong = staff.post("/login", form)
        assert wrong.status_code == 401 and "do not match" in wrong.get_data(as_text=True)
    right = staff.post("/login", {"email": email, "password": PASSWORD})
    assert right.status_code == 302


def test_pages_in_hindi_and_english(app, client):
    staff = sign_in(app, client)
    staff.post("/language", {"lang": "hi", "next": "/dashboard"})
    hindi = staff.get("/dashboard").get_data(as_text=True)
    assert 'lang="hi"' in hindi and "साइन आउट" in hindi
    staff.post("/language", {"lang": "en", "next": "/dashboard"})
    assert "Sign out" in staff.get("/dashboard").get_data(as_text=True)
    assert csrf_token(staff.get("/dashboard").get_data(as_text=True))


def test_the_users_cli_creates_accounts(app):
    runner = app.test_cli_runner()
    with app.app_context():
        made = runner.invoke(
            args=[
                "users",
                "create",
                "dio@tika.example",
                "--role",
                "district",
                "--district",
                "Lucknow",
            ],
            input=PASSWORD + "\n",
        )
        assert made.exit_code == 0, made.output
        listed = runner.invoke(args=["users", "list"])
        assert "dio@tika.example" in listed.output and "LUCKNOW" in listed.output
        unknown = runner.invoke(
            args=[
                "users",
                "create",
                "x@tika.example",
                "--role",
                "district",
                "--district",
                "Atlantis",
            ],
            input=PASSWORD + "\n",
        )
        assert unknown.exit_code != 0 and "ATLANTIS" in unknown.output
        nul = runner.invoke(
            args=["users", "create", "nul@tika.example", "--role", "admin"],
            input=PASSWORD + "\x00\n",
        )
        assert nul.exit_code != 0 and "NUL" in nul.output
        assert "nul@tika.example" not in runner.invoke(args=["users", "list"]).output
