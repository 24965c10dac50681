"""Broadcast targeting beyond districts (issue 29, item 2), through the real app: blocks,
languages, children by where they stand today (left-outs, drop-outs, due), a vaccine due
or overdue, an ASHA's families, pregnant women; a district officer kept to blocks in
their districts; the preview (recipients, SMS, cost) equal to what real workers send to
a Twilio-like server; with DLT on, the templates a text must fill."""

from __future__ import annotations

import re

import pytest

from flows.sms_templates import ANNOUNCE_NOTICE
from locales import Text, render_sms
from scheduler import clock
from tests.conftest import sending_through
from tests.dashboard_support import sign_in
from tests.support import approve_every_template, run_flask, run_worker

TOKEN = "token-for-the-district-team"
TEXTS = {
    "hi": "टीका अभियान: इस बुधवार आपके गाँव में टीकाकरण सत्र है।",
    "en": "Vaccination drive: a session in your village this Wednesday.",
}
FORM_TEXTS = {f"text_{lang}": text for lang, text in TEXTS.items()}
NOW = "2025-03-03T11:00"  # a Monday, within broadcast hours
# The families, all in the block PATNA SADAR (PIN codes 800001-800004) but Dev's.
ANIL = "+919800000011"  # 2 months old, nothing reported: a left-out
BINA = "+919800000012"  # 5 months, only her 6-week vaccines reported: a drop-out
CHANDA = "+919800000013"  # 9 months, all reported until 14 weeks: due, MR-1 among them
DEV = "+919800000014"  # a left-out in Lucknow, outside the block
ESHA = "+919800000015"  # pregnant: her last period began on 1 January 2025
FARAH = "+919800000016"  # her baby was expected in October 2024: no longer pregnant
ASHA = "+919812300000"  # registered Kiran (a left-out) on her mother's number
KIRANS_MOTHER = "+919800002222"


@pytest.fixture
def config(config, fake, web_port):
    return {**sending_through(config, fake, web_port), "API_TOKENS": f"team:{TOKEN}"}


@pytest.fixture
def village(phone):
    """The families above, registered by SMS (Farah a year before the others)."""
    with clock.frozen("2024-03-01T10:00"):
        for text in ("गर्भ", "फ़रहा", "1/1/2024", "2", "800004", "1"):
            phone.other(FARAH).send(text)
    with clock.frozen("2025-03-01T10:00"):
        for number, text in [
            (ANIL, "REG Anil 1/1/2025 800001"),
            (BINA, "REG Bina 1/10/2024 800002"),
            (BINA, "DONE 12/11/2024"),
            (CHANDA, "पंजीकरण चंदा 1/6/2024 800003"),
            (CHANDA, "हो गया 1/6/2024"),
            (CHANDA, "हो गया 13/7/2024"),
            (CHANDA, "हो गया 10/8/2024"),
            (CHANDA, "हो गया 7/9/2024"),
            (DEV, "REG Dev 1/1/2025 226010"),
            (ASHA, "REG Kiran 15/12/2024 800001 98000 02222"),
            *((ESHA, text) for text in ("PREG", "Esha", "1/1/2025", "2", "800004", "1")),
        ]:
            phone.other(number).send(text)


def api(client, method: str, path: str, json=None, language: str = "en"):
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept-Language": language}
    return getattr(client, method)(f"/api{path}", json=json, headers=headers)


def listed(client, broadcast_id: str) -> int:
    """The recipients the API's list gives for a broadcast."""
    rows = api(client, "get", "/broadcasts").json["broadcasts"]
    return next(b["recipients"] for b in rows if str(b["id"]) == broadcast_id)


def element(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page)[1].strip()


@pytest.mark.both_databases
def test_each_target_reaches_whom_it_names(client, village):
    def reached(audience: dict) -> tuple[int, dict]:
        with clock.frozen(NOW):
            created = api(
                client, "post", "/broadcasts", {"name": "x", "texts": TEXTS, "audience": audience}
            )
        assert created.status_code == 201, created.json
        preview = created.json
        by_language = {lang: item["recipients"] for lang, item in preview["languages"].items()}
        return preview["recipients"], by_language

    block = {"blocks": ["Patna Sadar"]}
    assert reached(block) == (6, {"hi": 3, "en": 3})  # all but Dev
    assert reached({**block, "languages": ["hi"]}) == (3, {"hi": 3, "en": 0})
    assert reached({"statuses": ["left_out"]})[0] == 3  # Anil, Dev, Kiran
    assert reached({**block, "statuses": ["left_out"]})[0] == 2  # not Dev
    assert reached({"statuses": ["drop_out"]}) == (1, {"hi": 0, "en": 1})  # Bina
    assert reached({"statuses": ["due"]}) == (1, {"hi": 1, "en": 0})  # Chanda
    assert reached({"statuses": ["overdue"]})[0] == 0  # every overdue child is one of those
    assert reached({"statuses": ["left_out", "drop_out"], "districts": ["Patna"]})[0] == 3
    assert reached({"vaccines": ["mr-1"]}) == (1, {"hi": 1, "en": 0})  # Chanda
    assert reached({"vaccines": ["penta-2"]}) == (1, {"hi": 0, "en": 1})  # Bina
    assert reached({"vaccines": ["bcg"]})[0] == 3  # the left-outs: Anil, Dev, Kiran
    assert reached({"vaccines": ["bcg"], "statuses": ["drop_out"]})[0] == 0  # Bina had it
    assert reached({"asha": ["98123 00000"]}) == (1, {"hi": 1, "en": 0})  # Kiran's mother
    assert reached({"pregnant": True}) == (1, {"hi": 0, "en": 1})  # Esha, not Farah
    assert reached({**block, "pregnant": True, "languages": ["hi"]})[0] == 0
    # The existing filters keep working alongside.
    assert reached({**block, "age_months": [0, 3]})[0] == 2  # Anil; Kiran (2 months)


def test_targets_that_do_not_exist_are_refused_with_a_reason(client, village):
    refusals = [
        ({"statuses": ["lost"]}, "The statuses can only be: left_out, drop_out, overdue, due"),
        ({"vaccines": ["MR-9"]}, "Unknown vaccine: mr-9. Known vaccines: bcg, hepb-0"),
        ({"asha": ["12"]}, "Not a mobile number: 12"),
        ({"asha": ["9812399999"]}, "No ASHA has the number +919812399999."),
        ({"asha": [ANIL]}, f"No ASHA has the number {ANIL}."),  # a mother, not an ASHA
        ({"pregnant": "yes"}, "pregnant can only be true or false."),
        ({"blocks": ["Atlantis"]}, "Unknown block: ATLANTIS. Known blocks:"),
    ]
    for audience, reason in refusals:
        refused = api(
            client, "post", "/broadcasts", {"name": "x", "texts": TEXTS, "audience": audience}
        )
        assert refused.status_code == 400 and reason in refused.json["error"], refused.json
    hindi = api(
        client,
        "post",
        "/broadcasts",
        {"name": "x", "texts": TEXTS, "audience": {"asha": ["9812399999"]}},
        "hi",
    )
    assert hindi.json["error"] == "नंबर +919812399999 किसी आशा का नहीं है।"
    listed = api(client, "get", "/broadcasts").json["broadcasts"]
    assert [b for b in listed if b["name"] == "x"] == []


@pytest.mark.both_databases
def test_the_preview_is_what_is_sent_and_what_the_list_shows(
    app, client, config, fake, web, village
):
    """Left-outs of the block: previewed, saved, listed, sent by a real worker."""
    with clock.frozen(NOW):
        staff = sign_in(app, client)
        form = {"blocks": "Patna Sadar", "group": "left_out", **FORM_TEXTS}
        preview = staff.get("/dashboard/broadcasts/audience.json", query_string=form).json
        assert (preview["recipients"], preview["languages"]) == (2, {"en": 1, "hi": 1})
        assert (preview["messages"], preview["shown"]["cost"]) == (2, "₹0.30")
        saved = staff.post("/dashboard/broadcasts", {**form, "action": "save"})
        assert saved.status_code == 302, saved.get_data(as_text=True)
        bid = saved.headers["Location"].rsplit("/", 1)[1]
        listing = staff.get("/dashboard/broadcasts").get_data(as_text=True)
        assert element(listing, f"recipients-of-{bid}") == "2"  # the draft: the preview's count
        assert listed(client, bid) == 2
        draft = staff.get(saved.headers["Location"]).get_data(as_text=True)
        assert element(draft, "audience-count") == "2"
        sent = staff.post(saved.headers["Location"] + "/send", {"send_at": ""})
        assert "Broadcast queued: 2 recipients." in staff.get(sent.headers["Location"]).get_data(
            as_text=True
        )
    run_worker(config, "2025-03-03T11:00:30+05:30")
    received = [m for m in fake.messages if m["body"] in TEXTS.values()]
    assert sorted((m["to"], m["body"]) for m in received) == [
        (ANIL, TEXTS["en"]),
        (KIRANS_MOTHER, TEXTS["hi"]),
    ]
    listing = staff.get("/dashboard/broadcasts").get_data(as_text=True)
    assert len(received) == preview["recipients"] == int(element(listing, f"recipients-of-{bid}"))
    assert listed(client, bid) == 2


def test_the_compose_form_targets_and_shows_segments_and_cost(app, client, config, village):
    with clock.frozen(NOW):
        staff = sign_in(app, client)
        page = staff.get("/dashboard/broadcasts").get_data(as_text=True)
        for field in (
            'name="blocks"',
            '<option value="PATNA SADAR">',
            'name="languages" value="hi"',
            '<option value="drop_out"',
            '<option value="mr-1" >MR-1</option>',
            'name="asha"',
            'id="preview-count"',
        ):
            assert field in page, field

        def preview(**form) -> dict:
            found = staff.get("/dashboard/broadcasts/audience.json", query_string=form)
            return found.json

        assert preview(blocks="PATNA SADAR", group="drop_out")["recipients"] == 1
        assert preview(districts="PATNA", group="due", languages="hi")["recipients"] == 1
        assert preview(districts="PATNA, LUCKNOW", group="overdue")["recipients"] == 4
        assert preview(districts="PATNA", group="pregnant")["recipients"] == 1
        assert preview(districts="PATNA", vaccine="mr-1")["recipients"] == 1
        assert preview(districts="PATNA", asha="9812300000")["recipients"] == 1
        assert (
            preview(districts="PATNA", group="everyone?")["error"]
            == "Choose a group from the list."
        )
        # A two-part English text: each English recipient costs two SMS.
        long_en = "Vaccination drive this Wednesday. " * 6
        costs = preview(blocks="PATNA SADAR", text_hi=TEXTS["hi"], text_en=long_en)
        assert costs["segments"] == {"hi": 1, "en": 2}
        assert (costs["recipients"], costs["messages"]) == (6, 3 * 1 + 3 * 2)
        assert costs["shown"]["cost"] == "₹1.35"  # 9 SMS at ₹0.15
        saved = staff.post(
            "/dashboard/broadcasts",
            {"blocks": "PATNA SADAR", "text_hi": TEXTS["hi"], "text_en": long_en, "action": "save"},
        )
        draft = staff.get(saved.headers["Location"]).get_data(as_text=True)
        assert element(draft, "preview-messages") == "9"
        assert element(draft, "preview-cost") == "₹1.35"
        assert "Blocks: PATNA SADAR" in draft


class TestACostlySms:
    @pytest.fixture
    def config(self, config):
        return {**config, "SMS_PRICE_PER_SEGMENT": "25000"}  # to see the grouping

    def test_a_large_cost_is_grouped_the_indian_way(self, app, client, village):
        with clock.frozen(NOW):
            staff = sign_in(app, client)
            saved = staff.post(
                "/dashboard/broadcasts", {"blocks": "PATNA SADAR", **FORM_TEXTS, "action": "save"}
            )
            draft = staff.get(saved.headers["Location"]).get_data(as_text=True)
            assert element(draft, "preview-cost") == "₹1,50,000.00"  # 6 SMS
            staff.post("/language", {"lang": "hi", "next": "/dashboard"})
            draft = staff.get(saved.headers["Location"]).get_data(as_text=True)
            assert element(draft, "preview-cost") == "₹1,50,000.00"


def test_an_officer_targets_blocks_in_their_districts_only(app, client, village):
    with clock.frozen(NOW):
        patna = sign_in(app, client, "patna@tika.example", "district", ["PATNA"])
        mine = patna.post(
            "/dashboard/broadcasts",
            {"blocks": "patna sadar", "group": "drop_out", **FORM_TEXTS, "action": "save"},
        )
        assert mine.status_code == 302
        draft = patna.get(mine.headers["Location"]).get_data(as_text=True)
        assert element(draft, "audience-count") == "1"  # Bina; not all of Patna
        assert mine.headers["Location"] in patna.get("/dashboard/broadcasts").get_data(as_text=True)
        lucknow = sign_in(app, app.test_client(), "lucknow@tika.example", "district", ["LUCKNOW"])
        refused = lucknow.post(
            "/dashboard/broadcasts", {"blocks": "PATNA SADAR", **FORM_TEXTS, "action": "send"}
        )
        assert refused.status_code == 400
        assert element(refused.get_data(as_text=True), "form-error") == (
            "Block PATNA SADAR is not in your districts (LUCKNOW)."
        )
        preview = lucknow.get("/dashboard/broadcasts/audience.json?blocks=PATNA+SADAR")
        assert preview.status_code == 400
        page = lucknow.get("/dashboard/broadcasts").get_data(as_text=True)
        assert "PATNA SADAR" not in page  # neither in the block list nor the broadcasts
        assert lucknow.client.get(mine.headers["Location"]).status_code == 404
        # No place typed: their own districts.
        own = lucknow.get("/dashboard/broadcasts/audience.json?group=left_out").json
        assert own["recipients"] == 1  # Dev


def test_the_cli_targets_too(app, config, village):
    created = run_flask(
        config,
        "broadcast", "create", "--name", "Drop-outs", "--text", f"hi={TEXTS['hi']}",
        "--text", f"en={TEXTS['en']}", "--block", "PATNA SADAR", "--status", "drop_out",
        now="2025-03-03T11:00:00+05:30",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[0].endswith(
        '"Drop-outs" (draft): 1 recipients, 1 SMS, Rs 0.15'
    )


class TestWithDlt:
    @pytest.fixture
    def config(self, config, tmp_path):
        return {
            **config,
            "DLT_ENTITY_ID": "1101000000000000001",
            "DLT_TEMPLATES": str(approve_every_template(tmp_path / "dlt_templates.csv")),
        }

    def test_the_page_lists_the_templates_and_refuses_a_free_text(self, app, client, village):
        with clock.frozen(NOW):
            staff = sign_in(app, client)
            page = staff.get("/dashboard/broadcasts").get_data(as_text=True)
            templates = re.search(r'id="dlt-templates".*?</details>', page, re.S)[0]
            assert (
                "Tika health notice: {#var#}. Ask your ASHA or Anganwadi worker for more."
                in templates
            )
            free = staff.post(
                "/dashboard/broadcasts", {"districts": "PATNA", **FORM_TEXTS, "action": "save"}
            )
            assert free.status_code == 400
            error = element(free.get_data(as_text=True), "form-error")
            assert error.startswith(
                "The हिंदी (hi) text must fill an approved DLT announcement template"
            )
            notice = {"hi": "बुधवार को टीकाकरण सत्र", "en": "session on Wednesday"}
            texts = {
                f"text_{lang}": render_sms(Text(ANNOUNCE_NOTICE, notice=notice[lang]), lang)
                for lang in notice
            }
            fits = staff.post(
                "/dashboard/broadcasts", {"districts": "PATNA", **texts, "action": "save"}
            )
            assert fits.status_code == 302
            draft = staff.get(fits.headers["Location"]).get_data(as_text=True)
            assert element(draft, "audience-count") == "6"
