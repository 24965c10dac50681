"""The overview's charts: pygal SVG inlined in the page, readable on a 390 px phone, in
the page's language, each beside a table of its numbers."""

import re

from sqlalchemy import select, update

from bot.storage.models.core import Caregiver, MessageLog
from scheduler import clock
from tests.dashboard_support import sign_in

TODAY = "2025-03-05T12:00"  # a Wednesday: ISO week 2025-W10


def send(phone, number, at, *texts):
    with clock.frozen(at):
        for text in texts:
            phone.other(number).send(text)


def page_of(staff):
    with clock.frozen(TODAY):
        response = staff.get("/dashboard")
    assert response.status_code == 200
    return response, response.get_data(as_text=True)


def svgs(page):
    return re.findall(r"<svg\b[^>]*>.*?</svg>", page, re.S)


def chart(page, kind):
    [found] = [s for s in svgs(page) if f"chart-{kind}" in s.split(">", 1)[0]]
    return found


def cells(page, attribute, value):
    row = re.search(rf'<tr {attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', page, re.S)
    assert row, f"no row {attribute}={value}"
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1])]


def test_the_charts_are_inline_pygal_svg_in_hindi_that_fit_a_phone(app, client, phone):
    send(phone, "+919800000001", "2025-03-01T10:00", "REG Asha 1/1/2025 226001", "DONE 1/1")
    send(phone, "+919800000002", "2025-03-01T10:00", "REG Ravi 1/6/2024 273001")
    staff = sign_in(app, client)
    staff.post("/language", {"lang": "hi", "next": "/dashboard"})
    response, page = page_of(staff)
    assert 'lang="hi"' in page
    found = svgs(page)
    kinds = {"registrations", "share", "coverage", "district-coverage", "left-outs", "delivery"}
    assert {k for k in kinds if any(f"chart-{k}" in s.split(">", 1)[0] for s in found)} == kinds
    for svg in found:
        opening = svg.split(">", 1)[0]
        assert "pygal-chart" in opening and 'width="100%"' in opening
        width = int(re.search(r'viewBox="0 0 (\d+) \d+"', opening)[1])
        assert width <= 390 and "height=" not in opening  # scales to the card, never wider
        assert "<script" not in svg and 'href="http' not in svg  # nothing runs or is fetched
        assert '"Noto Sans Devanagari","Lohit Devanagari"' in svg
    coverage = chart(page, "coverage")
    assert re.search(r"<text[^>]*>बीसीजी</text>", coverage)  # labels in the page's language
    assert "<title>बीसीजी: 50%</title>" in coverage  # BCG: Asha on time, Ravi not
    assert "<title>1 मार्च: 2</title>" in chart(page, "registrations")
    assert "लखनऊ" in chart(page, "district-coverage") or "LUCKNOW" in chart(
        page, "district-coverage"
    )
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self' 'unsafe-inline'" in policy
    assert "nonce" not in policy  # the charts' inline <style> is allowed
    assert page.count('class="table-scroll"') >= 5  # wide tables scroll, not the page


def test_left_outs_per_week(app, client, phone):
    # Became left-outs: a BCG four weeks overdue (29 Dec, W52) with nothing given...
    send(phone, "+919800000011", "2024-12-01T10:00", "REG Asha 1/12/2024 226001")
    # ...on 17 February (W08), twice: one of them given BCG three days later.
    send(phone, "+919800000012", "2025-01-20T10:00", "REG Binu 20/1/2025 226001")
    send(phone, "+919800000013", "2025-01-20T10:00", "REG Chandu 20/1/2025 226001")
    send(phone, "+919800000013", "2025-02-20T10:00", "DONE")
    # Never a left-out: the birth doses given at birth.
    send(phone, "+919800000014", "2025-01-01T10:00", "REG Dev 1/1/2025 226001", "DONE")
    # Registered at nine months with nothing given: a left-out from that day (W09).
    send(phone, "+919800000015", "2025-03-01T10:00", "REG Ravi 1/6/2024 226001")
    _, page = page_of(sign_in(app, client))
    counts = {
        week: cells(page, "data-week", week)[1] for week in re.findall(r'data-week="([^"]+)"', page)
    }
    assert len(counts) == 12 and min(counts) == "2024-W51" and max(counts) == "2025-W10"
    assert {week: n for week, n in counts.items() if n != "0"} == {
        "2024-W52": "1",
        "2025-W08": "2",
        "2025-W09": "1",
    }
    assert cells(page, "data-week", "2025-W08")[0] == "17 Feb 2025"
    assert "<title>17 Feb: 2</title>" in chart(page, "left-outs")


def test_delivery_rates_per_channel_and_day(app, client, phone, session):
    numbers = [f"+9198000001{n:02d}" for n in range(4)]
    for number in numbers:
        send(phone, number, "2025-03-04T10:00", "REG Child 1/1/2025 226001")
    ids = session.scalars(
        select(MessageLog.id).where(MessageLog.direction == "out").order_by(MessageLog.id)
    ).all()
    assert len(ids) == 8  # two replies to each
    for message_id, status in zip(ids, ["delivered"] * 6 + ["failed"] * 2, strict=True):
        session.execute(update(MessageLog).where(MessageLog.id == message_id).values(status=status))
    caregiver = session.scalar(select(Caregiver.id).where(Caregiver.phone == numbers[0]))
    with clock.frozen("2025-03-05T10:00"):  # two calls today, one answered
        for status in ("completed", "no-answer"):
            session.add(
                MessageLog(
                    caregiver_id=caregiver,
                    direction="out",
                    channel="voice",
                    body="call",
                    status=status,
                    created_at=clock.now(),
                )
            )
        session.commit()
    _, page = page_of(sign_in(app, client))
    # sent, delivered, failed, delivered share
    assert cells(page, "data-day", "2025-03-04")[2:] == ["8", "6", "2", "75%"]
    voice = re.search(r'<tr data-day="2025-03-05" data-channel="voice">(.*?)</tr>', page, re.S)[1]
    assert [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", voice)][2:] == [
        "2",
        "1",
        "1",
        "50%",
    ]
    delivery = chart(page, "delivery")
    assert "<title>4 Mar, SMS: 75%</title>" in delivery
    assert "<title>5 Mar, Voice calls: 50%</title>" in delivery
    assert "4 Mar, Voice calls" not in delivery  # no call that day: no point
