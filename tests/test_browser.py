"""The dashboard and the phone simulator in a real browser: headless Chromium (Debian's
``chromium``) driven by Playwright, against the app served over HTTP with a real
database, real Redis, real RQ workers and a Twilio-like server.

Each page is photographed at 1280 and 390 px wide into tests/screenshots/ (ignored by
git), and at both widths the page must not be wider than the screen.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from bot.accounts import staff as accounts
from bot.services import services
from scheduler import clock
from tests.conftest import sending_through
from tests.dashboard_support import PASSWORD
from tests.support import register_seed_families, run_worker

SCREENSHOTS = Path(__file__).parent / "screenshots"
WIDTHS = {"wide": 1280, "phone": 390}
NOW = "2025-03-03T11:00"  # a Monday, inside broadcast hours (India time)


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


@pytest.fixture(scope="module")
def chromium():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "chromium is not installed: make test installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": WIDTHS["wide"], "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def seeded(app, phone):
    """Families in Lucknow and Gorakhpur, in Hindi and English, and an admin account."""
    register_seed_families(phone, with_opted_out=False)
    accounts.create_user(services(app), "admin@tika.example", PASSWORD, "admin", [])


def photograph(page: Page, name: str) -> None:
    """Screenshots at both widths; the page never scrolls sideways."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
    page.set_viewport_size({"width": WIDTHS["wide"], "height": 900})


def sign_in(page: Page, web: str) -> None:
    page.goto(f"{web}/dashboard")
    photograph(page, "login")
    page.fill("input[name=email]", "admin@tika.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{web}/dashboard")


@pytest.fixture
def now():
    """The service's clock (web server thread included) on a day after the seeding."""
    with clock.frozen(NOW):
        yield


def test_sign_in_and_see_the_overview_with_real_numbers(page, web, seeded, now):
    sign_in(page, web)
    lucknow = page.locator('#districts tr[data-district="LUCKNOW"] td')
    # Lucknow: three families, three children (Asha, Ravi, Meena); Gorakhpur one.
    expect(lucknow.nth(1)).to_have_text("3")
    expect(lucknow.nth(2)).to_have_text("3")
    expect(page.locator('#districts tr[data-district="GORAKHPUR"] td').nth(2)).to_have_text("1")
    photograph(page, "overview")
    # The same page in Hindi.
    page.click("button[name=lang][value=hi]")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.locator("h1")).to_have_text("सारांश")
    photograph(page, "overview-hi")
    page.click("button[name=lang][value=en]")
    page.goto(f"{web}/dashboard/queues")
    expect(page.locator("h1")).to_be_visible()
    photograph(page, "queues")


def test_register_a_child_in_the_simulator(page, web, seeded, now):
    sign_in(page, web)
    page.goto(f"{web}/simulator")
    page.fill("#sim-input", "REG Asha 1/1/2025 226001")
    page.click("#sim-send")
    page.locator(".bubble.bot", has_text="registered").first.wait_for()
    page.fill("#sim-input", "NEXT")
    page.click("#sim-send")
    # Born 1 January 2025, nothing reported given: the 6-week visit is overdue, so NEXT
    # names a visit and its vaccines.
    expect(page.locator(".bubble.bot").last).to_contain_text("Penta-1")
    photograph(page, "simulator")
    # The IVR: a call, the language menu answered with a key.
    page.click("#sim-mode-voice")
    page.click("#sim-call")
    page.locator(".bubble.bot.voice").first.wait_for()
    photograph(page, "simulator-voice")


def test_compose_and_send_a_broadcast_and_see_it_delivered(page, web, seeded, now, config, fake):
    sign_in(page, web)
    page.goto(f"{web}/dashboard/broadcasts")
    page.fill("#text-en", "Vaccination drive: a session in your village this Wednesday.")
    page.fill("#text-hi", "टीका अभियान: इस बुधवार आपके गाँव में टीकाकरण सत्र है।")
    expect(page.locator("#segments-hi")).to_have_attribute("data-segments", "1")
    page.fill("#districts", "LUCKNOW")
    expect(page.locator("#audience-count")).to_contain_text("3")
    photograph(page, "broadcast-compose")
    page.click("#send")
    expect(page.locator("#recipients-count")).to_have_text("3")
    expect(page.locator("#delivered-count")).to_have_text("0")
    run_worker(config, NOW + ":30+05:30")  # sends through the Twilio-like server
    # Delivery reports come back to the app; the page updates itself.
    expect(page.locator("#delivered-count")).to_have_text("3", timeout=30_000)
    assert sorted(m["to"] for m in fake.messages) == [
        "+919800000001",
        "+919800000002",
        "+919800000003",
    ]
    photograph(page, "broadcast")
    for path, name in [
        ("/dashboard/campaigns", "campaigns"),
        ("/dashboard/duelists", "duelists"),
        ("/dashboard/families?phone=9800000001", "families"),
    ]:
        page.goto(web + path)
        expect(page.locator("h1")).to_be_visible()
        photograph(page, name)
