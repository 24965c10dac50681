"""An ASHA registers children on their mothers' numbers (issue 27, part 5), end to end:
signed SMS webhooks, the sweep, real RQ workers sending through the real twilio client to
a local fake, real Redis and SQLite/PostgreSQL.

Each mother gets one SMS saying who registered her child and how to stop, then her child's
reminders, and can STOP or DELETE for herself; the ASHA's weekly digest names the children
of her families who are due (first name, the end of the mother's number, the vaccine).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.services import services
from bot.storage.models.campaigns import Broadcast
from bot.storage.models.core import Caregiver, Child, MessageLog, Reminder
from bot.storage.models.inbox import InboxMessage
from bot.sweep import sweep
from flows import asha_texts, digest_texts
from flows.asha import FamilyChild, families_digest
from flows.mobiles import parse_mobile
from flows.parsing import InputError
from locales import Text, render_sms
from locales.segments import segment_count
from scheduler import clock
from tests.conftest import sending_through
from tests.support import at, run_flask, run_worker

pytestmark = pytest.mark.both_databases

ASHA = "+919812300000"
MOTHERS = {  # the mother's number as the ASHA types it, and in E.164
    "Priya": ("98000 04321", "+919800004321"),
    "Ravi": ("+91 98000 01111", "+919800001111"),
    "Kiran": ("098000-02222", "+919800002222"),
}


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


def flask(config, *args: str, now: str = "2025-03-01T09:00:00+05:30"):
    return run_flask(config, *args, now=now)


@pytest.fixture
def asha(phone, config):
    """Sunita, an ASHA of Lucknow registered for the digest, in Hindi."""
    added = flask(
        config, "health-workers", "add", ASHA, "--name", "Sunita", "--district", "lucknow",
        "--lang", "hi",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    return phone.other(ASHA)


def caregiver(session, number: str) -> Caregiver | None:
    session.rollback()  # end the snapshot: see what the app committed since
    return session.scalar(select(Caregiver).where(Caregiver.phone == number))


def texts_to(fake, number: str) -> list[str]:
    return [m["body"] for m in fake.messages if m["to"] == number]


def register_three(asha) -> list[list[str]]:
    """On Saturday 1 March 2025, the ASHA registers three children of three mothers."""
    with clock.frozen("2025-03-01T10:00"):
        return [
            # Six weeks old on 4 March, birth doses given.
            asha.send(f"पंजीकरण प्रिया कुमारी 21/1/2025 226001 {MOTHERS['Priya'][0]}"),
            # Nine months old: MR-1.
            asha.send(f"REG Ravi 1/6/2024 226010 {MOTHERS['Ravi'][0]}"),
            # Ten weeks old, nothing recorded: a left-out.
            asha.send(f"panjikaran Kiran 15/12/2024 226001 {MOTHERS['Kiran'][0]}"),
        ]


def test_an_asha_registers_three_mothers_children(asha, app, config, fake, session):
    replies = register_three(asha)
    # The ASHA hears, in her language, that the child is registered on the mother's number.
    assert replies[0][0] == (
        "प्रिया कुमारी का पंजीकरण माँ के नंबर 9800004321 पर हो गया। उन्हें संदेश भेज दिया है।"
    )
    assert replies[1][0].startswith("Ravi का पंजीकरण माँ के नंबर 9800001111 पर")
    assert all(len(reply) == 2 for reply in replies)  # and the next visit
    assert replies[1][1].startswith("Ravi: बीसीजी, पोलियो-1")  # nothing recorded yet

    sunita = caregiver(session, ASHA)
    assert sunita.children == [] and sunita.language == "hi"
    for name, (_, number) in MOTHERS.items():
        mother = caregiver(session, number)
        assert [child.name for child in mother.children] == [
            "प्रिया कुमारी" if name == "Priya" else name
        ]
        assert mother.registered_by_id == sunita.id
        assert (mother.language, mother.consent_channel) == ("hi", "asha")
        assert mother.consent_at is not None
    assert caregiver(session, MOTHERS["Ravi"][1]).district == "LUCKNOW"

    # The sweep sends each mother one SMS: who registered her child, how to stop.
    tika = services(app)
    sweep(tika, at("2025-03-01T10:01:00+05:30"))
    run_worker(config, "2025-03-01T10:01:30+05:30")
    for name, (_, number) in MOTHERS.items():
        notices = [body for body in texts_to(fake, number) if "आशा Sunita" in body]
        child = "प्रिया कुमारी" if name == "Priya" else name
        assert notices == [
            f"टीका: आशा Sunita ने {child} के टीकों की याद-दिहानी शुरू की। रोकने के लिए 'बंद' भेजें।"
        ]
    sweep(tika, at("2025-03-01T10:20:00+05:30"))  # once only
    run_worker(config, "2025-03-01T10:20:30+05:30")
    for _, number in MOTHERS.values():
        assert sum("आशा Sunita" in body for body in texts_to(fake, number)) == 1
    assert not texts_to(fake, ASHA)  # her replies came in the webhook's answers

    # Monday: the ASHA's digest names the three children, within two SMS segments.
    with clock.frozen("2025-03-03T10:00"):
        sweep(tika, clock.now())
    run_worker(config, "2025-03-03T10:00:30+05:30")
    [digest] = texts_to(fake, ASHA)
    assert segment_count(digest) <= 2
    assert digest.startswith("टीका ड्यू लिस्ट, इस सप्ताह: 1) ")
    assert "प्रिया (…4321) पेंटा-1" in digest
    assert "Ravi (…1111)" in digest and "Kiran (…2222)" in digest

    # Reminders: each mother gets her own child's, like any caregiver.
    for day in range(1, 15):
        moment = dt.datetime(2025, 3, day, 10, 30) if day > 1 else dt.datetime(2025, 3, 1, 11)
        stamp = moment.isoformat() + "+05:30"
        sweep(tika, at(stamp))
    run_worker(config, "2025-03-14T10:31:00+05:30")
    for name, (_, number) in MOTHERS.items():
        reminders = [body for body in texts_to(fake, number) if "आशा Sunita" not in body]
        assert reminders, name
    digest_and_reminders = {number: texts_to(fake, number) for _, number in MOTHERS.values()}

    # Priya's mother says STOP from her phone: she is stopped, the others and the ASHA not.
    priya_mother = asha.other(MOTHERS["Priya"][1])
    with clock.frozen("2025-03-14T12:00"):
        assert priya_mother.send("बंद") == ["अब आपको कोई संदेश नहीं आएगा। फिर से शुरू करने के लिए 'शुरू' भेजें।"]
    assert caregiver(session, MOTHERS["Priya"][1]).opted_out
    others = [MOTHERS["Ravi"][1], MOTHERS["Kiran"][1], ASHA]
    assert not any(caregiver(session, number).opted_out for number in others)
    open_reminders = {
        phone: count
        for phone, count in session.execute(
            select(Caregiver.phone, func.count(Reminder.id))
            .join(Reminder, Reminder.caregiver_id == Caregiver.id)
            .where(Reminder.status == "planned")
            .group_by(Caregiver.phone)
        )
    }
    assert MOTHERS["Priya"][1] not in open_reminders
    assert open_reminders[MOTHERS["Ravi"][1]] and open_reminders[MOTHERS["Kiran"][1]]
    for day in range(15, 60):
        sweep(tika, at(f"{dt.date(2025, 1, 1) + dt.timedelta(days=day + 58)}T10:30:00+05:30"))
    run_worker(config, "2025-04-28T10:31:00+05:30")
    assert texts_to(fake, MOTHERS["Priya"][1]) == digest_and_reminders[MOTHERS["Priya"][1]]


@pytest.mark.parametrize(
    "number",
    ["981234567", "0522 2345678", "abc", "+1 415 555 2671", "98123456789"],
)
def test_a_bad_mothers_number_registers_nothing(asha, session, frozen_clock, number):
    with frozen_clock("2025-03-01T10:00"):
        reply = asha.send(f"REG Priya 21/1/2025 226001 {number}")
    assert reply == [
        f"{number} 10 अंकों का मोबाइल नंबर नहीं है, कुछ दर्ज नहीं हुआ। "
        "ऐसे भेजें: पंजीकरण आशा 15/3/2025 226001 9812345678"
    ]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Child)) == 0
    assert session.scalar(select(func.count()).select_from(Caregiver)) == 1  # the ASHA's


def test_an_english_asha_hears_english_and_a_hindi_keyword_hindi(phone, session, frozen_clock):
    with frozen_clock("2025-03-01T10:00"):
        assert phone.send("REG Priya 21/1/2025 226001 abc") == [
            "abc is not a 10-digit mobile number, so nothing was registered. "
            "Send e.g. REG Asha 15/3/2025 226001 9812345678"
        ]
        new = phone.other("+919811111111")
        # A new number's Hindi keyword: Hindi, errors included.
        assert new.send("पंजीकरण प्रिया 21/1/2025") == [
            "एक संदेश में पंजीकरण: पंजीकरण नाम दिन/महीना/साल पिन, जैसे पंजीकरण आशा 15/3/2025 226001"
        ]
        replies = phone.send("REG Priya 21/1/2025 226001 9800004321")
        assert replies[0] == (
            "Priya is registered on the mother's number 9800004321. We have sent her an SMS."
        )
        # Registering on one's own number works as it always has.
        own = phone.send("REG Ravi 1/6/2024 226001 +91 98123 45678")
        assert own[0] == "Ravi is registered; we will remind you before each vaccine."
    mother = caregiver(session, "+919800004321")
    # New to Tika, in Uttar Pradesh (PIN 226001): written to in Hindi, whatever the ASHA typed.
    assert (
        mother.language == "hi" and mother.registered_by_id == caregiver(session, phone.number).id
    )
    assert [c.name for c in caregiver(session, phone.number).children] == ["Ravi"]
    [notice] = session.scalars(select(Broadcast).where(Broadcast.kind == "notice")).all()
    assert notice.recipients == 1


def test_delete_from_a_mothers_phone_erases_her_and_the_link(asha, app, config, fake, session):
    register_three(asha)
    mother = asha.other(MOTHERS["Kiran"][1])
    with clock.frozen("2025-03-01T12:00"):
        mother.send("हटाएं")
        assert mother.send("1") == [
            "आपकी सारी जानकारी मिटा दी गई। फिर से शुरू करने के लिए कोई भी संदेश भेजें।"
        ]
    assert caregiver(session, MOTHERS["Kiran"][1]) is None
    names = {c.name for c in session.scalars(select(Child))}
    assert names == {"प्रिया कुमारी", "Ravi"}
    sunita = caregiver(session, ASHA)
    linked = session.scalars(select(Caregiver.phone).where(Caregiver.registered_by_id == sunita.id))
    assert sorted(linked) == sorted([MOTHERS["Priya"][1], MOTHERS["Ravi"][1]])
    # Her number and her child's name are gone from the ASHA's messages too.
    bodies = [m.body for m in session.scalars(select(MessageLog))]
    bodies += [m.body for m in session.scalars(select(InboxMessage))]
    assert not any("02222" in body or "Kiran" in body for body in bodies)
    assert any("Ravi" in body for body in bodies)
    # The sweep sends no notice to the erased mother; the others get theirs.
    tika = services(app)
    sweep(tika, at("2025-03-01T12:01:00+05:30"))
    run_worker(config, "2025-03-01T12:01:30+05:30")
    assert not texts_to(fake, MOTHERS["Kiran"][1])
    assert texts_to(fake, MOTHERS["Ravi"][1])
    with clock.frozen("2025-03-03T10:00"):
        sweep(tika, clock.now())
    run_worker(config, "2025-03-03T10:00:30+05:30")
    [digest] = texts_to(fake, ASHA)
    assert "Ravi (…1111)" in digest and "Kiran" not in digest


def test_the_digest_names_what_fits_two_segments_and_counts_the_rest():
    children = [
        FamilyChild(name, f"+9198000{n:05d}", ("opv-2", "penta-2", "rvv-2"))
        for n, name in enumerate(["Priya Devi", "Ravi", "Kiran", "Meena", "Sunil"])
    ]
    english = families_digest(children, "en")
    assert english == (
        "Tika due list, your families this week: 1) Priya (..0000) Penta-2 "
        "2) Ravi (..0001) Penta-2 3) Kiran (..0002) Penta-2 +2 more."
    )
    hindi = families_digest(children, "hi")
    assert segment_count(hindi) <= 2 and hindi.endswith("+2 और।")
    assert families_digest(children[:1], "hi") == "टीका ड्यू लिस्ट, इस सप्ताह: Priya (…0000) पेंटा-2।"
    # Long Devanagari names in an English digest make it UCS-2: fewer are named.
    long_names = [FamilyChild("राजलक्ष्मीकुमारी" * 2, c.phone, c.codes) for c in children]
    for lang in ("en", "hi"):
        body = families_digest(long_names, lang)
        assert segment_count(body) <= 2, body


def test_a_mothers_number_is_an_indian_mobile():
    for typed in ("9812345678", "+91 98123 45678", "098123-45678", "919812345678", "९८१२३४५६७८"):
        assert parse_mobile(typed) == "+919812345678"
    for bad in ("981234567", "05222345678", "abc", "+14155552671", ""):
        with pytest.raises(InputError):
            parse_mobile(bad)


def test_the_mothers_sms_fits_and_names_who_registered():
    for lang in ("en", "hi"):
        notice = Text(
            asha_texts.MOTHER_NOTICE,
            by=Text(asha_texts.BY_PHONE, ending="5678"),
            name="राजलक्ष्मी कुमारी श्रीवास्तव",
        )
        assert segment_count(render_sms(notice, lang)) <= 2
    assert render_sms(
        Text(asha_texts.MOTHER_NOTICE, by=Text(asha_texts.BY_PHONE, ending="5678"), name="Priya"),
        "en",
    ) == (
        "Tika: the phone ..5678 registered Priya for free vaccine reminders. "
        "To stop them, send STOP to this number."
    )
    assert digest_texts.DIGEST_MORE


def test_a_mother_outside_the_hindi_states_is_written_to_in_english(phone, session, frozen_clock):
    with frozen_clock("2025-03-01T10:00"):
        phone.send("REG Anu 21/1/2025 682001 9800004321")  # Ernakulam, Kerala
    assert caregiver(session, "+919800004321").language == "en"
