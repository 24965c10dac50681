"""The family's session site in its reminders (issue 27, item 7): ``SITE Anganwadi
Rampur`` (``केंद्र आंगनवाड़ी रामपुर``), sent by the mother or by the ASHA from her phone,
and every visit reminder names the place, within two SMS segments. Real RQ worker
processes, the real twilio client, a local Twilio-like server."""

import pytest

from flows import texts
from flows.actions import SITE_LIMIT
from locales import Text, render_sms
from locales.segments import segment_count
from scheduler import clock
from tests import test_session_reminders
from tests.test_session_reminders import BENGALURU, LUCKNOW, two_weeks_of_sweeps

# The session reminder tests' families, and the service sending through the fake Twilio.
config, families = test_session_reminders.config, test_session_reminders.families

pytestmark = pytest.mark.both_databases


def test_reminders_name_the_session_site_once_it_is_sent(app, config, fake, phone, families):
    with clock.frozen("2025-01-26T10:00"):
        lucknow = phone.other(LUCKNOW)
        assert "आंगनवाड़ी रामपुर" in lucknow.send("केंद्र आंगनवाड़ी रामपुर")[-1]
        bengaluru = phone.other(BENGALURU)
        assert "Sub-centre Hebbal" in bengaluru.send("SITE Sub-centre Hebbal")[-1]
    received = two_weeks_of_sweeps(app, config, fake)
    lucknow_texts = [body for _, body in received[LUCKNOW]]
    # The day before Wednesday's session and its morning: both name the place.
    assert len(lucknow_texts) == 2
    assert all("आंगनवाड़ी रामपुर में" in body for body in lucknow_texts)
    assert all(segment_count(body) <= 2 for body in lucknow_texts)
    bengaluru_texts = [body for _, body in received[BENGALURU]]
    assert bengaluru_texts and all("at Sub-centre Hebbal" in body for body in bengaluru_texts)


def test_a_site_too_long_or_missing_is_asked_for_again_and_not_stored(
    app, config, fake, phone, families
):
    with clock.frozen("2025-01-26T10:00"):
        lucknow = phone.other(LUCKNOW)
        [too_long] = lucknow.send("SITE " + "क" * (SITE_LIMIT + 1))
        assert str(SITE_LIMIT) in too_long
        [usage] = lucknow.send("केंद्र")
        assert "SITE Anganwadi Rampur" in usage  # in her language, English
    received = two_weeks_of_sweeps(app, config, fake)
    assert received[LUCKNOW] and all(" में।" not in body for _, body in received[LUCKNOW])


def test_a_number_not_registered_is_told_so_and_registration_starts(phone):
    replies = phone.other("+919800000069").send("SITE Anganwadi Rampur")
    assert replies[0] == render_sms(Text(texts.NOT_REGISTERED), "hi")  # the default language
    assert "For English, send 2." in replies[1]  # registration starts: the language menu
