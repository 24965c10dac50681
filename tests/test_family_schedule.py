"""A family whose doctor follows the Indian Academy of Pediatrics' schedule (issue 28):
SCHEDULE IAP moves its children to iap.yaml; its reminders, NEXT and due lists follow it,
a UIP family's do not. Real RQ worker processes, the real twilio client, a local
Twilio-like server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot import create_app
from bot.services import services
from bot.storage.models.core import Caregiver
from bot.sweep import sweep
from scheduler import clock
from tests import test_pregnancy
from tests.support import at, run_worker

pytestmark = pytest.mark.both_databases

IAP_FAMILY, UIP_FAMILY = "+919800000081", "+919800000082"
config = test_pregnancy.config  # the service sending through the fake Twilio


def sweeps(app, config, fake, first: dt.date, last: dt.date) -> dict[str, list[str]]:
    """A sweep every morning (a worker when it claimed something); texts by phone."""
    tika, seen, received = services(app), len(fake.messages), {}
    day = first
    while day <= last:
        moment = f"{day.isoformat()}T10:30:00+05:30"
        with clock.frozen(moment):
            if sweep(tika, at(moment)).claimed:
                run_worker(config, f"{day.isoformat()}T10:30:30+05:30")
        for message in fake.messages[seen:]:
            received.setdefault(message["to"], []).append(message["body"])
        seen = len(fake.messages)
        day += dt.timedelta(days=1)
    return received


def schedules_of(session, phone: str) -> set[str]:
    session.rollback()
    caregiver = session.scalar(select(Caregiver).where(Caregiver.phone == phone))
    return {child.schedule for child in caregiver.children}


def test_an_iap_family_is_reminded_of_hep_a_at_12_months_and_a_uip_family_is_not(
    app, config, fake, phone, session
):
    iap, uip = phone.other(IAP_FAMILY), phone.other(UIP_FAMILY)
    with clock.frozen("2025-01-25T10:00"):  # born 1 February 2024: a year old next week
        for family in (iap, uip):
            family.send("REG Asha 1/2/2024 226001")
        assert iap.send("SCHEDULE IAP") == [
            "Reminders now follow the IAP schedule. For the government's, send SCHEDULE UIP."
        ]
        for family in (iap, uip):
            family.send("DONE")  # every vaccine she could have today, given today
        assert "Hep-A-1" in iap.send("NEXT")[0]
        assert "Hep-A-1" not in uip.send("NEXT")[0]
    assert schedules_of(session, IAP_FAMILY) == {"iap"}
    assert schedules_of(session, UIP_FAMILY) == {"uip"}
    received = sweeps(app, config, fake, dt.date(2025, 1, 26), dt.date(2025, 2, 15))
    # Lucknow's sessions are on Wednesdays and Saturdays: 12 months is Saturday 1 February.
    assert received[IAP_FAMILY][0] == (
        "Tika reminder: Asha's vaccines Hep-A-1: the vaccination session is on Saturday 1 February."
    )
    assert not any("Hep-A" in text for text in received.get(UIP_FAMILY, []))


def test_a_family_can_go_back_to_the_uip_and_keeps_its_doses(phone, session):
    family = phone.other(IAP_FAMILY)
    with clock.frozen("2025-03-20T10:00"):
        family.send("REG Ravi 1/1/2025 226001")
        family.send("DONE 1/1")  # the birth doses
        family.send("DONE 12/2")  # the 6-week visit, as the UIP gives it (Penta, fIPV)
        assert family.send("शेड्यूल IAP")[0].startswith("Reminders now follow the IAP")
        # Penta counts as IAP's DTwP, Hep B and Hib; fractional IPV is not IAP's IPV.
        assert "IPV-1" in family.send("NEXT")[0]
        family.send("SCHEDULE UIP")
        assert family.send("NEXT")[0].startswith("Ravi: OPV-2, Penta-2, RVV-2 can be given now")
    assert schedules_of(session, IAP_FAMILY) == {"uip"}


def test_a_schedule_word_not_known_gets_the_usage(phone):
    family = phone.other(IAP_FAMILY)
    with clock.frozen("2025-03-20T10:00"):
        family.send("REG Ravi 1/1/2025 226001")
        [usage] = family.send("SCHEDULE CDC")
    assert usage.startswith("If your child's doctor follows the IAP schedule, send SCHEDULE IAP")


def test_the_deployment_default_schedule_is_set_by_the_config(config, redis, tmp_path):
    with pytest.raises(ValueError, match="unknown SCHEDULE 'cdc'"):
        create_app({**config, "SCHEDULE": "cdc"})
    app = create_app({**config, "SCHEDULE": "iap"})
    assert services(app).schedule.id == "iap"
    services(app).close()


def test_a_family_on_iap_still_hears_of_the_uips_campaign_days(app, config, fake, phone):
    family = phone.other(IAP_FAMILY)
    with clock.frozen("2019-11-25T10:00"):
        family.send("REG Asha 1/1/2019 271801")  # Bahraich, an IMI 2.0 district
        family.send("SCHEDULE IAP")
    with app.app_context():
        loaded = app.test_cli_runner().invoke(args=["campaigns", "load", "imi-2.0"])
    assert loaded.exit_code == 0, loaded.output
    with clock.frozen("2019-11-30T10:00"):
        sweep(services(app), at("2019-11-30T10:00:00+05:30"))
        run_worker(config, "2019-11-30T10:00:30+05:30")
    [announcement] = [m["body"] for m in fake.messages if "Mission Indradhanush" in m["body"]]
    # The round's vaccines are the UIP's: Penta, not IAP's separate DTwP, Hib and Hep B.
    assert "Asha's pending vaccines: BCG, OPV-1, Penta-1" in announcement
