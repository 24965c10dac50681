"""The dashboard and the phone simulator in a real browser: headless Chromium (Debian's
``chromium``) driven by Playwright, against the app served over HTTP with a real
database, real Redis, real RQ workers and a Twilio-like server.

Each page is photographed at 1280 and 390 px wide into tests/screenshots/ (the test
run's artefacts, ignored by git), in English and in Hindi. At both widths the page must
not be wider than the screen and its charts must lie inside it; a Hindi page must show
no English text the catalogue translates.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect, sync_playwright

from bot.accounts import staff as accounts
from bot.campaigns.records import load
from bot.services import services
from scheduler import clock
from scheduler.calendars import campaign_data
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


# Each chart's box as the reader sees it, and whether it lies inside the screen's width.
CHARTS_OUTSIDE = """() => [...document.querySelectorAll("main svg")]
  .map(svg => [svg.closest("[id]")?.id || "svg", svg.getBoundingClientRect()])
  .filter(([, box]) => box.width === 0 || box.left < -0.5 || box.right > innerWidth + 0.5)
  .map(([id, box]) => `${id}: ${Math.round(box.left)}..${Math.round(box.right)}`)"""

# The texts a reader sees in the page's language: visible text, chart labels and
# tooltips, the choices of a list, placeholders. Not what staff or families wrote (a
# broadcast's text in another language, marked with its lang; a name, translate="no").
VISIBLE_TEXTS = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!element || element.closest("script, style, datalist, [translate=no]")) continue;
    if (element.closest("[lang]").lang !== document.documentElement.lang) continue;
    if (!element.closest("svg, option") && !element.checkVisibility()) continue;
    texts.push(walker.currentNode.textContent);
  }
  for (const element of document.querySelectorAll("[placeholder]")) texts.push(element.placeholder);
  return texts;
}"""
MONTHS_AND_DAYS = re.compile(
    r"\b(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?|May|June?|July?|Aug(ust)?|Sep(tember)?|"
    r"Oct(ober)?|Nov(ember)?|Dec(ember)?|Mon(day)?|Tue(sday)?|Wed(nesday)?|Thu(rsday)?|"
    r"Fri(day)?|Sat(urday)?|Sun(day)?)\b"
)


@cache
def english_msgids() -> tuple[frozenset[str], tuple[re.Pattern, ...]]:
    """The catalogue's English texts that Hindi translates differently: plain ones, and
    patterns of those with %(name)s values."""
    with open(Path(__file__).parents[1] / "locales/hi/LC_MESSAGES/messages.po", "rb") as po:
        catalogue = read_po(po)
    plain, patterns = set(), []
    for message in catalogue:
        if not message.id or message.string == message.id or not isinstance(message.id, str):
            continue
        if "%(" in message.id:
            parts = re.split(r"%\(\w+\)s", message.id)
            if sum(len(p.strip()) for p in parts) >= 12:  # enough words to tell it apart
                patterns.append(re.compile(".+?".join(map(re.escape, parts)), re.DOTALL))
        else:
            plain.add(message.id)
    return frozenset(plain), tuple(patterns)


def english_on(page: Page) -> list[str]:
    """The texts on a Hindi page that are the catalogue's English, or English dates."""
    plain, patterns = english_msgids()
    found = []
    for text in page.evaluate(VISIBLE_TEXTS):
        text = " ".join(text.split()).strip(" :·–()")
        if not text:
            continue
        if (
            text in plain
            or any(p.fullmatch(text) for p in patterns)
            or MONTHS_AND_DAYS.search(text)
        ):
            found.append(text)
    return found


def photograph(page: Page, name: str) -> None:
    """Screenshots at both widths; the page never scrolls sideways and its charts lie
    inside the screen; a Hindi page has no English left on it."""
    SCREENSHOTS.mkdir(exist_ok=True)
    hindi = page.evaluate("document.documentElement.lang") == "hi"
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
        assert page.evaluate(CHARTS_OUTSIDE) == [], f"{name}: a chart is cut off at {width}px"
        if hindi:
            assert english_on(page) == [], f"{name}: English on a Hindi page"
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


PAGES = [  # (path, name): every page of the dashboard, with data on it
    ("/dashboard", "overview"),
    ("/dashboard/campaigns", "campaigns"),
    ("/dashboard/campaigns/new", "campaign-new"),
    ("/dashboard/campaigns/imi-2.0/edit", "campaign-edit"),
    ("/dashboard/broadcasts", "broadcasts"),
    ("/dashboard/duelists?district=LUCKNOW&week=2025-W11", "duelists"),
    ("/dashboard/duelists/print?district=LUCKNOW&week=2025-W11", "duelists-print"),
    ("/dashboard/families?phone=9800000001", "families"),
    ("/dashboard/queues", "queues"),
    ("/simulator", "simulator"),
]


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_every_page_reads_on_a_phone_and_a_wide_screen(chromium, web, app, seeded, now, lang):
    load(services(app), campaign_data("imi-2.0"))
    context = chromium.new_context(
        viewport={"width": WIDTHS["wide"], "height": 900}, locale=f"{lang}-IN"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{web}/dashboard")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        photograph(page, f"login-{lang}")
        page.fill("input[name=email]", "admin@tika.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{web}/dashboard")
        for path, name in PAGES:
            response = page.goto(web + path)
            assert response and response.status == 200, path
            expect(page.locator("h1").first).to_be_visible()
            photograph(page, f"{name}-{lang}")
        # A broadcast's own page, once one is saved.
        page.goto(f"{web}/dashboard/broadcasts")
        page.fill("#text-en", "Vaccination drive: a session in your village this Wednesday.")
        page.fill("#text-hi", "टीका अभियान: इस बुधवार आपके गाँव में टीकाकरण सत्र है।")
        page.fill("#districts", "LUCKNOW")
        page.click("#save")
        expect(page.locator("#recipients-count")).to_be_visible()
        photograph(page, f"broadcast-{lang}")
    finally:
        context.close()


# Uttar Pradesh from Monday 10 March 2025: its RI days (Wednesday, Saturday), Sundays and
# Holi (Friday 14 March) are not session days.
ROUND_DAYS = ["2025-03-10", "2025-03-11", "2025-03-13", "2025-03-17", "2025-03-18"]
ROUND_DAYS += ["2025-03-20", "2025-03-21"]


@pytest.fixture
def drop_outs(phone, seeded):
    """Two drop-outs in the LUCKNOW CITY block (the 6-week visit given, the 10-week one
    overdue), one just outside it (PIN 226010), and the seeded left-out Asha in it."""
    with clock.frozen("2025-03-01T11:00"):
        phone.other("+919800000006").send("REG Kiran 1/9/2024 226002")
        for number, born, six_weeks in [
            ("+919800000003", "1/10/2024", "12/11/2024"),  # Meena, 226001
            ("+919800000006", "1/9/2024", "13/10/2024"),  # Kiran, 226002
            ("+919800000002", "1/6/2024", "13/7/2024"),  # Ravi, 226010: outside the block
        ]:
            phone.other(number).send(f"DONE {born}")  # the birth doses
            phone.other(number).send(f"DONE {six_weeks}")  # Penta-1 and the 6-week visit


def test_plan_a_campaign_then_send_a_broadcast_to_the_drop_outs_of_its_block(
    page, web, drop_outs, now, config, fake
):
    sign_in(page, web)
    page.goto(f"{web}/dashboard/campaigns")
    page.click("#new-campaign")
    page.fill("#campaign-id", "imi-lucknow-city")
    page.fill("#campaign-name", "IMI Lucknow city, March 2025")
    page.fill("#title-en", "Mission Indradhanush")
    page.fill("#title-hi", "मिशन इंद्रधनुष")
    page.fill("#campaign-blocks", "LUCKNOW CITY")
    page.fill("#round-1", "2025-03-10")
    page.click("#show-days")
    # The session days, before anything is saved.
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Session days in Uttar Pradesh")
    expect(preview).to_contain_text("LUCKNOW CITY (Lucknow)")
    shown = preview.locator("time").evaluate_all("times => times.map(t => t.dateTime)")
    assert shown == ROUND_DAYS
    photograph(page, "campaign-preview")
    page.click("#save-campaign")
    saved = page.locator("#campaign-imi-lucknow-city")
    expect(saved).to_contain_text("Mission Indradhanush")
    assert saved.locator("time").evaluate_all("ts => ts.map(t => t.dateTime)") == ROUND_DAYS
    photograph(page, "campaign-saved")

    # A broadcast to the block's drop-outs: the preview says how many, and that many go.
    page.goto(f"{web}/dashboard/broadcasts")
    page.fill("#text-en", "Mission Indradhanush: vaccination days in your area from 10 March.")
    page.fill("#text-hi", "मिशन इंद्रधनुष: 10 मार्च से आपके इलाके में टीकाकरण के दिन।")
    page.fill("#blocks", "LUCKNOW CITY")
    page.select_option("#group", "drop_out")
    expect(page.locator("#preview-count")).to_have_text("2")
    previewed = int(page.locator("#preview-count").inner_text())
    photograph(page, "broadcast-drop-outs")
    page.click("#send")
    expect(page.locator("#recipients-count")).to_have_text(str(previewed))
    run_worker(config, NOW + ":30+05:30")
    assert len(fake.messages) == previewed
    assert sorted(m["to"] for m in fake.messages) == ["+919800000003", "+919800000006"]
