"""DONE on a number with several children: the caregiver says which child got the vaccines,
and only that child's doses are recorded. End to end: signed webhooks, real databases."""

import datetime as dt

import pytest
from sqlalchemy import select

from bot.storage.models.core import Caregiver

pytestmark = pytest.mark.both_databases

TWINS_BORN = "1/1/2025"  # both due for their 6-week vaccines on 12 February 2025


def doses(session, number="+919812345678") -> dict[str, list[tuple[str, dt.date]]]:
    session.rollback()  # see what the app committed since
    caregiver = session.scalar(select(Caregiver).where(Caregiver.phone == number))
    return {
        child.name: sorted((d.code, d.given_on) for d in child.doses if d.code.startswith("opv"))
        for child in caregiver.children
    }


def register_two(phone, lang_keyword: str = "REG") -> None:
    phone.send(f"{lang_keyword} Asha {TWINS_BORN} 226001")
    phone.send("ADD")
    phone.send("Ravi")
    phone.send(TWINS_BORN)
    phone.send("0")  # six weeks old: what the MCP card shows is asked; not known
    phone.send("1")


def test_done_asks_which_child_and_records_only_that_one(phone, session, frozen_clock):
    with frozen_clock("2025-02-12T15:00"):
        register_two(phone)
        assert phone.send("DONE") == [
            "Which child got the vaccines? Send the number: 1 Asha, 2 Ravi. "
            "For several send e.g. 1 2, for all send ALL."
        ]
        assert doses(session) == {"Asha": [], "Ravi": []}  # nothing yet
        replies = phone.send("2")
    assert replies[0] == (
        "Noted for Ravi: BCG, OPV-1, Penta-1, RVV-1 +2 given on 12 February 2025."
    )
    assert replies[1].startswith("Ravi: next vaccines OPV-2, Penta-2, RVV-2")
    assert len(replies) == 2  # nothing about Asha
    assert doses(session) == {"Asha": [], "Ravi": [("opv-1", dt.date(2025, 2, 12))]}


def test_done_for_several_or_all_children_in_hindi(phone, session, frozen_clock):
    with frozen_clock("2025-02-12T15:00"):
        register_two(phone, "पंजीकरण")
        question = phone.send("हो गया")
        assert question == [
            "किसे टीके लगे? नंबर भेजें: 1 Asha, 2 Ravi। कई को लगे हों तो जैसे 1 2, सबको लगे हों तो सब भेजें।"
        ]
        # Not one of the numbers offered: asked again, nothing recorded.
        assert phone.send("3") == question
        assert doses(session) == {"Asha": [], "Ravi": []}
        replies = phone.send("सब")
    assert len(replies) == 4  # each child: noted, and the next visit
    day = dt.date(2025, 2, 12)
    assert doses(session) == {"Asha": [("opv-1", day)], "Ravi": [("opv-1", day)]}


@pytest.mark.parametrize("answer", ["1 2", "1,2", "both", "dono"])
def test_several_children_can_be_named_at_once(phone, session, frozen_clock, answer):
    with frozen_clock("2025-02-12T15:00"):
        register_two(phone)
        phone.send("DONE 12/2")
        phone.send(answer)
    day = dt.date(2025, 2, 12)
    assert doses(session) == {"Asha": [("opv-1", day)], "Ravi": [("opv-1", day)]}


def test_with_one_child_due_done_stays_one_step(phone, session, frozen_clock):
    with frozen_clock("2025-02-12T15:00"):
        phone.send("REG Asha 1/1/2025 226001")
        phone.send("DONE 1/1")  # Asha's birth doses
        phone.send("ADD")
        phone.send("Ravi")
        phone.send("1/2/2025")  # eleven days old
        phone.send("1")
        # 1 February: only Ravi had vaccines due (his birth doses); 12 February: only Asha.
        assert phone.send("DONE 1/2")[0].startswith("Noted for Ravi: BCG")
        assert phone.send("DONE")[0].startswith("Noted for Asha: OPV-1")
    assert doses(session) == {
        "Asha": [("opv-0", dt.date(2025, 1, 1)), ("opv-1", dt.date(2025, 2, 12))],
        "Ravi": [("opv-0", dt.date(2025, 2, 1))],
    }
