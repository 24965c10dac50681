"""No dead end without a PIN code: the district as a mother writes it, or "pata nahi"
(then the child is registered anyway, and she is told what she may miss)."""

import pytest
from sqlalchemy import select

from bot.storage.models.core import Caregiver, Reminder

pytestmark = pytest.mark.both_databases


def registered(session, phone="+919812345678") -> Caregiver:
    session.rollback()
    return session.scalar(select(Caregiver).where(Caregiver.phone == phone))


def start(phone, language: str, name: str = "Asha") -> None:
    phone.send("hi")
    phone.send(language)
    phone.send(name)
    phone.send("10/3/2025")  # ten days old: no question on the card


@pytest.mark.parametrize("sent", ["बहराइच", "Bahraich", "bahraich zila", "jila bahraich"])
def test_a_district_in_hindi_or_english_stands_for_the_pin_code(phone, session, frozen_clock, sent):
    with frozen_clock("2025-03-20T10:00"):
        start(phone, "2")
        confirm = phone.send(sent)
        assert confirm == [
            "Please check: Asha, born 10 March 2025, Bahraich district. "
            "Send 1 if right, 2 to change."
        ]
        done = phone.send("1")
    assert done[0] == "Asha is registered; we will remind you before each vaccine."
    stored = registered(session)
    assert (stored.pincode, stored.state, stored.district) == (None, "UTTAR PRADESH", "BAHRAICH")
    # Uttar Pradesh's session days (Wednesday, Saturday) name the visit: the place counts.
    assert "at the next session on Saturday 22 March" in done[1]


def test_a_mother_who_knows_neither_is_registered_and_told_what_she_may_miss(
    phone, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        start(phone, "1", "आशा")
        unknown = phone.send("kahin nahi")  # not a place: what can be sent
        assert unknown == [
            "यह जगह नहीं मिली। 6 अंकों का पिन कोड या जिला भेजें, जैसे बहराइच। पता न हो तो 0 भेजें।"
        ]
        assert phone.send("pata nahi") == [
            "जाँच लें: आशा, जन्म 10 मार्च 2025, जिला पता नहीं। सही हो तो 1, बदलना हो तो 2 भेजें।"
        ]
        done = phone.send("1")
        assert done[0] == "आशा का पंजीकरण हो गया; हर टीके से पहले हम याद दिलाएंगे।"
        assert done[-1].startswith("जिले के बिना जेई का टीका छूट सकता है।")
        assert registered(session).district is None
        assert session.scalars(select(Reminder)).all()  # reminders all the same
        # Later (she asked her ASHA): the PIN code, and the area is known.
        assert phone.send("पिन 271801") == [
            "अब आपका क्षेत्र Bahraich है। याद-दिहानी वहाँ के टीकों और सत्र के दिनों से आएगी।"
        ]
    stored = registered(session)
    assert (stored.pincode, stored.district) == ("271801", "BAHRAICH")


def test_a_district_in_two_states_asks_which(phone, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        start(phone, "2")
        assert phone.send("Aurangabad") == [
            "There is a district of that name in Bihar, Maharashtra. Send it with its state."
        ]
        assert phone.send("Aurangabad Bihar")[0].startswith(
            "Please check: Asha, born 10 March 2025, Aurangabad district."
        )
