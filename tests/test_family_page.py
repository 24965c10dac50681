"""The dashboard's Families page (issue 28, item 4): a data manager finds a family by its
mobile number and moves its children to the schedule their doctor follows; an officer sees
only the families of their districts; a bad number is told in the page's language."""

import pytest
from sqlalchemy import select

from bot.storage.models.core import Caregiver, Reminder
from scheduler import clock
from tests.dashboard_support import sign_in

pytestmark = pytest.mark.both_databases

FAMILY = "+919800000091"


def family(session) -> Caregiver:
    session.rollback()
    return session.scalar(select(Caregiver).where(Caregiver.phone == FAMILY))


def test_a_data_manager_moves_a_family_to_iap_and_its_reminders_follow(app, client, phone, session):
    with clock.frozen("2025-01-25T10:00"):
        mother = phone.other(FAMILY)
        mother.send("REG Asha 1/2/2024 226001")
        mother.send("DONE")
        staff = sign_in(app, client, "manager@tika.example", "district", ["LUCKNOW"])
        page = staff.get("/dashboard/families?phone=98000 00091").get_data(as_text=True)
        assert "Asha" in page and "UIP (government)" in page
        saved = staff.post(
            "/dashboard/families/schedule", {"phone": "9800000091", "schedule": "iap"}
        )
        assert saved.status_code == 303
        shown = staff.get(saved.headers["Location"]).get_data(as_text=True)
        assert "Saved: the children now follow the IAP (Indian Academy of Pediatrics)" in shown
    [child] = family(session).children
    assert child.schedule == "iap"
    planned = session.scalars(
        select(Reminder).where(Reminder.child_id == child.id, Reminder.status == "planned")
    ).all()
    # What the IAP gives and the UIP did not: full-dose IPV, MMR and typhoid conjugate.
    assert {r.codes for r in planned} == {"ipv-1 mmr-1 tcv-1"}


def test_an_officer_cannot_see_a_family_of_another_district(app, client, phone):
    with clock.frozen("2025-01-25T10:00"):
        phone.other(FAMILY).send("REG Asha 1/2/2024 226001")  # Lucknow
        staff = sign_in(app, client, "patna@tika.example", "district", ["PATNA"])
        assert staff.get("/dashboard/families?phone=9800000091").status_code == 403
        changed = staff.post("/dashboard/families/schedule", {"phone": FAMILY, "schedule": "iap"})
        assert changed.status_code == 403


def test_a_bad_number_is_explained_in_hindi(app, client):
    staff = sign_in(app, client)
    staff.post("/language", {"lang": "hi", "next": "/dashboard/families"})
    response = staff.get("/dashboard/families?phone=12345", headers={"Accept-Language": "hi"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "कृपया 10 अंकों का मोबाइल नंबर डालें।" in page and "मोबाइल नंबर" in page
    missing = staff.get("/dashboard/families?phone=9800000099").get_data(as_text=True)
    assert "इस नंबर पर कोई परिवार पंजीकृत नहीं है।" in missing
