"""DLT templates: every SMS kind exported for the portal, its ids imported, and checked;
matching a message to its template exactly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import create_app
from bot.channels import dlt
from bot.channels.dlt import (
    EXPORT_COLUMNS,
    Registry,
    load_registry,
    merge_approvals,
    message_type,
    read_approvals,
    read_portal_rows,
    template_content,
    variables,
    write_approvals,
)
from flows import digest_texts, reminder_texts, sms_templates, texts, voice_sms
from flows.reminder_texts import ChildReminder, reminder_message
from flows.sms_templates import TEMPLATES, SmsText
from flows.turn import vaccines
from locales import LANGUAGES, Text, render, render_sms
from locales.segments import segment_count

ROOT = Path(__file__).resolve().parent.parent
SENDER = "TIKAHS"

# ---- the whole round: export, approval on the portal, import, check -------------------------


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every template exported with the real command, approved by a simulated portal,
    imported and checked; the check before the import too."""
    tmp = tmp_path_factory.mktemp("dlt")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'tika.sqlite3'}",
            "DLT_TEMPLATES": str(tmp / "var" / "dlt_templates.csv"),
            "EXOTEL_SENDER_ID": SENDER,
            "SMS_BACKEND": "console",
        }
    )
    runner = app.test_cli_runner()
    exported = tmp / "export.csv"
    result = {"export": runner.invoke(args=["dlt", "export", "-o", str(exported)])}
    result["exported"] = exported.read_text(encoding="utf-8")
    result["before"] = runner.invoke(args=["dlt", "check"])
    portal = tmp / "portal.csv"
    approve_on_the_portal(exported, portal)
    result["import"] = runner.invoke(args=["dlt", "import", str(portal)])
    result["after"] = runner.invoke(args=["dlt", "check"])
    result["file"] = tmp / "var" / "dlt_templates.csv"
    return result


def approve_on_the_portal(exported: Path, portal: Path) -> None:
    """What a DLT portal's export looks like once every uploaded template is approved: its
    own column names and order, more columns, a BOM, a 19-digit id per template."""
    with exported.open(encoding="utf-8", newline="") as fp:
        rows = list(csv.DictReader(fp))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Sr No", "Template ID", "Template Name ", "Template Content", "STATUS"])
    for n, row in enumerate(rows, start=1):
        template_id = f"1107{n:015d}"
        writer.writerow([n, template_id, row["template_name"], row["content"], "Approved"])
    portal.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


def error_lines(output: str) -> set[tuple[str, str]]:
    found = set()
    for line in output.splitlines():
        if line.startswith("error "):
            kind, rest = line[len("error ") :].split(": ", 1)
            found.add((kind, rest.split(": ", 1)[0]))
    return found


def test_every_kind_in_every_language_is_exported(round_trip):
    assert round_trip["export"].exit_code == 0, round_trip["export"].output
    rows = list(csv.reader(io.StringIO(round_trip["exported"])))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    names = [row[0] for row in rows[1:]]
    assert sorted(names) == sorted(f"tika_{k}_{lang}" for k in TEMPLATES for lang in LANGUAGES)
    for name, kind, category, header, message, content in rows[1:]:
        assert kind in ("Service Implicit", "Service Explicit")
        assert category == "Health" and header == SENDER
        assert message == ("Text" if content.isascii() else "Unicode"), name
        assert "%(" not in content and content.strip() == content


def test_before_the_import_the_check_lists_every_template(round_trip):
    before = round_trip["before"]
    assert before.exit_code == 1
    unapproved = {name for kind, name in error_lines(before.output) if kind == "unapproved"}
    assert unapproved == {f"tika_{k}_{lang}" for k in TEMPLATES for lang in LANGUAGES}


def test_the_import_takes_every_approval(round_trip):
    imported = round_trip["import"]
    assert imported.exit_code == 0, imported.output
    total = len(TEMPLATES) * len(LANGUAGES)
    assert f"{total} approved, 0 not approved, 0 unknown names" in imported.output
    approvals = read_approvals(round_trip["file"])
    assert len(approvals) == total
    assert all(re.fullmatch(r"1107\d{15}", i) and s == "Approved" for i, s in approvals.values())


def test_after_the_import_the_check_passes(round_trip):
    after = round_trip["after"]
    assert error_lines(after.output) == set(), after.output
    assert after.exit_code == 0, after.output


# ---- the registry of SMS kinds -----------------------------------------------------------


def test_every_text_of_the_flows_is_a_template_or_a_part_of_one():
    """A new SMS text is a template (or said not to be one): none goes out unregistered."""
    with (ROOT / "locales" / "messages.pot").open("rb") as fp:
        msgids = {message.id for message in read_po(fp) if message.id}
    parts = {m for entry in TEMPLATES.values() for m in entry.msgids}
    checked = 0
    for module in (texts, reminder_texts, voice_sms, digest_texts, sms_templates):
        for name, value in vars(module).items():
            where = f"{module.__name__}.{name}"
            if not name.isupper():
                continue
            if isinstance(value, dict) and set(map(str, value.values())) <= msgids:
                assert where in sms_templates.PARTS_ONLY, where
            elif isinstance(value, str) and value in msgids:
                assert value in parts or where in sms_templates.PARTS_ONLY, where
                checked += 1
    assert checked > 60


def test_template_keys_are_stable_lower_case_names():
    for key, entry in TEMPLATES.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key) and entry.key == key
        assert entry.communication_type in sms_templates.COMMUNICATION_TYPES
    assert TEMPLATES["next_visit"].msgid == texts.NEXT_VISIT
    assert TEMPLATES["reminder_due"].msgids == (
        reminder_texts.PREFIX,
        reminder_texts.DUE,
        reminder_texts.SEND_DONE,
    )
    explicit = {k for k, e in TEMPLATES.items() if e.communication_type == "service_explicit"}
    assert explicit == {
        "announce_campaign",
        "announce_session",
        "announce_notice",
        "reminder_campaign",
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_menu_and_the_announcements_fit_in_two_segments(lang):
    registry = Registry.build()
    keys = ("language_menu", "language_choice", "announce_campaign", "announce_session")
    for key in (*keys, "announce_notice"):
        template = registry.for_key(key, lang)
        assert segment_count(dlt.worst_case(template)) <= 2, template.content
    menu = render(sms_templates.LANGUAGE_MENU, "hi")
    assert "हिंदी के लिए 1 भेजें" in menu and "For English, send 2" in menu


def test_every_reminder_for_one_child_fills_a_template():
    registry = Registry.build()
    day = dt.date(2025, 9, 29)
    items = {
        "reminder_advance": ChildReminder("advance", "Asha", ("opv-2",), day),
        "reminder_due": ChildReminder("due", "Asha", ("opv-2",), day),
        "reminder_overdue": ChildReminder("overdue-2", "Asha", ("opv-2",), day),
        "reminder_session": ChildReminder(
            "advance", "Asha", ("opv-2",), day, day, day - dt.timedelta(1)
        ),
        "reminder_session_done": ChildReminder(
            "due", "Asha", ("opv-2",), day, day, day - dt.timedelta(1)
        ),
        "reminder_session_today": ChildReminder("due", "Asha", ("opv-2",), day, day, day),
        "reminder_campaign": ChildReminder(
            "campaign-start", "Asha", ("mr-1",), day, campaign="IMI", campaign_days=(day,)
        ),
    }
    for lang in LANGUAGES:
        for key, item in items.items():
            body = reminder_message([item], lang)
            match = registry.match(body, lang)
            assert match is not None and match.template.key == key, (lang, key, body)


# ---- a text as a template ----------------------------------------------------------------


def test_content_writes_each_placeholder_as_a_variable():
    assert template_content(texts.NEXT_VISIT, "en") == "{#var#}: next vaccines {#var#} on {#var#}."
    assert template_content(texts.NEXT_VISIT, "hi") == "{#var#}: अगले टीके {#var#}, {#var#} को।"
    # a msgid no catalog has comes back as it is, with %% as %
    assert template_content("Save 5%% for %(name)s", "en") == "Save 5% for {#var#}"
    assert variables(texts.CONFIRM_CHILD) == ["name", "birth_date", "pincode", "district"]
    assert variables("%(a)s and %% of %(b)s") == ["a", "b"]


def test_hindi_templates_are_unicode_and_english_ones_text():
    registry = Registry.build()
    assert registry.for_key("help", "hi").message_type == "Unicode"
    assert registry.for_key("help", "en").message_type == "Text"
    assert registry.for_key("language_menu", "en").message_type == "Unicode"  # names हिंदी
    assert message_type("{#var#} is due. Send DONE [x] {y} ~ €") == "Text"  # GSM-7 extension
    assert message_type("Rs. 5 ₹") == "Unicode"


# ---- matching ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> Registry:
    approvals = {
        f"tika_{key}_{lang}": (str(1107000000000000000 + n), "Approved")
        for n, (key, lang) in enumerate((k, lang) for k in TEMPLATES for lang in LANGUAGES)
    }
    return Registry.build(approvals)


def test_a_body_matches_its_template_exactly(registry):
    body = render(
        Text(texts.NEXT_VISIT, name="Asha", vaccines=["BCG"], date=dt.date(2025, 3, 15)), "en"
    )
    match = registry.match(body, "en")
    assert match.template.name == "tika_next_visit_en" and match.approved
    assert match.variables == {"name": "Asha", "vaccines": "BCG", "date": "15 March 2025"}
    assert match.template.template_id.startswith("1107")
    for changed in (body[:-1], body + " ", body.replace("next", "Next"), body.replace(":", "")):
        assert registry.match(changed) is None, changed
    # one character changed in the fixed text
    assert registry.match(body.replace(": next", "; next")) is None


def test_a_variable_holds_at_most_30_characters(registry):
    def body(name: str) -> str:
        return render(Text(texts.REGISTERED, name=name), "en")

    assert registry.match(body("A" * 30)).variables == {"name": "A" * 30}
    assert registry.match(body("A" * 31)) is None
    assert registry.match(body("")) is None  # a variable holds at least one character
    hindi = "राजलक्ष्मी कुमारी श्रीवास्तव त्रिपा"  # 35 characters
    assert registry.match(render(Text(texts.REGISTERED, name=hindi), "hi")) is None


def test_a_text_without_variables_is_found_by_its_words(registry):
    match = registry.match(render(Text(texts.HELP), "hi"))
    assert match.template.name == "tika_help_hi" and match.variables == {}
    assert registry.match(render(Text(texts.HELP), "hi") + ".") is None


def test_the_language_is_tried_first_then_the_others(registry):
    body = render(Text(texts.HELP), "en")
    assert registry.match(body, "hi").template.name == "tika_help_en"
    assert registry.match("Hello there") is None


def test_of_two_templates_with_the_same_words_the_approved_one_is_used():
    twins = {"tika_next_visit_session_hi": ("1107000000000000001", "Approved")}
    registry = Registry.build(twins)
    body = render(
        Text(texts.NEXT_VISIT, name="आशा", vaccines=["बीसीजी"], date=dt.date(2025, 3, 15)), "hi"
    )
    match = registry.match(body, "hi")
    assert match.template.name == "tika_next_visit_session_hi" and match.approved
    unapproved = Registry.build({}).match(body, "hi")
    assert unapproved.template.key in ("next_visit", "next_visit_session")
    assert not unapproved.approved
    assert any(p.kind == "duplicate" for p in registry.problems())


def test_a_pending_or_rejected_template_is_not_approved():
    registry = Registry.build(
        {"tika_help_en": ("1107000000000000001", "Pending"), "tika_help_hi": (None, "Approved")}
    )
    assert not registry.match(render(Text(texts.HELP), "en")).approved
    assert not registry.match(render(Text(texts.HELP), "hi")).approved


# ---- the check's rules -------------------------------------------------------------------


def problems_of(msgid: str) -> set[tuple[str, str]]:
    registry = Registry.build(
        {"tika_x_en": ("1", "Approved")}, {"x": SmsText("x", (msgid,))}, languages=("en",)
    )
    return {(p.severity, p.kind) for p in registry.problems()}


def test_variables_side_by_side_are_found():
    assert ("error", "side_by_side") in problems_of("Hello %(a)s %(b)s, welcome.")
    assert ("error", "side_by_side") in problems_of("Hello %(a)s%(b)s, welcome.")
    assert ("warning", "side_by_side") in problems_of("Hello %(a)s: %(b)s, welcome.")
    assert ("warning", "side_by_side") in problems_of("Hello %(a)s (%(b)s), welcome.")
    assert problems_of("Hello %(a)s and %(b)s, welcome.") == set()
    assert problems_of("Hello %(a)s on 2 %(b)s, welcome.") == set()


def test_too_many_variables_and_none_but_variables():
    assert ("warning", "too_many_variables") in problems_of("a %(a)s b %(b)s c %(c)s d %(d)s.")
    six = " and ".join(f"%({n})s" for n in "abcdef")
    assert ("error", "too_many_variables") in problems_of(f"Dear {six}.")
    assert ("error", "no_fixed_text") in problems_of("%(a)s")


def test_a_template_too_long_with_every_variable_at_30_characters_is_warned_of():
    long = "Dear %(a)s, " + "x" * 250 + " on %(b)s."
    assert ("warning", "segments") in problems_of(long)


def test_a_language_missing_is_an_error():
    entries = {"x": SmsText("x", ("A text no catalog has, %(name)s.",))}
    approvals = {f"tika_x_{lang}": ("1", "Approved") for lang in LANGUAGES}
    found = Registry.build(approvals, entries).problems()
    assert [(p.kind, p.template) for p in found if p.severity == "error"] == [
        ("missing_translation", "tika_x_hi")
    ]


def test_an_id_for_no_template_of_ours_is_warned_of():
    registry = Registry.build({"tika_gone_en": ("1107", "Approved")})
    assert ("warning", "unknown_name", "tika_gone_en") in {
        (p.severity, p.kind, p.template) for p in registry.problems()
    }


# ---- the portal's file, and ours ---------------------------------------------------------


def test_the_portals_file_is_read_whatever_its_columns_and_encoding():
    semicolons = "\ufeffSr;TEMPLATE NAME;Template Id;Approval Status;Content\n"
    semicolons += "1;tika_help_en;'1107161234567890123;Approved;Send: ...\n"
    semicolons += "2;tika_help_hi;1.10716E+18;Approved;भेजें\n"
    semicolons += ";;;;\n"
    semicolons += "3;tika_yes_no_en;;Pending;Please\n"
    rows = read_portal_rows(semicolons.encode("utf-8"))
    assert [(r.name, r.template_id, r.status, r.bad_id) for r in rows] == [
        ("tika_help_en", "1107161234567890123", "Approved", ""),
        ("tika_help_hi", None, "Approved", "1.10716E+18"),
        ("tika_yes_no_en", None, "Pending", ""),
    ]
    tabs = "template_name\ttemplate_id\tstatus\ntika_help_en\t1107161234567890123\tAPPROVED\n"
    [row] = read_portal_rows(("\ufeff" + tabs).encode("utf-16"))  # Excel's "Unicode text"
    assert (row.name, row.template_id, row.status) == (
        "tika_help_en",
        "1107161234567890123",
        "APPROVED",
    )
    with pytest.raises(dlt.PortalFileError):
        read_portal_rows(b"name,content\nx,y\n")


def test_an_import_merges_into_what_was_kept():
    kept = {"tika_help_en": ("1107000000000000001", "Approved"), "tika_help_hi": (None, "Pending")}
    rows = read_portal_rows(
        b"template_name,template_id,status\n"
        b"tika_help_hi,1107000000000000002,Approved\n"
        b"tika_yes_no_en,1107000000000000003,Rejected\n"
        b"someone_elses_template,1107000000000000004,Approved\n"
        b"tika_empty_en,1.1E+18,Approved\n"
    )
    known = {"tika_help_en", "tika_help_hi", "tika_yes_no_en", "tika_empty_en"}
    merged, report = merge_approvals(kept, rows, known)
    assert merged == {
        "tika_help_en": ("1107000000000000001", "Approved"),
        "tika_help_hi": ("1107000000000000002", "Approved"),
        "tika_yes_no_en": ("1107000000000000003", "Rejected"),
    }
    assert report.approved == ["tika_help_hi"]
    assert report.not_approved == [("tika_yes_no_en", "Rejected")]
    assert report.unknown == ["someone_elses_template"]
    assert report.bad_ids == [("tika_empty_en", "1.1E+18")]


def test_the_registry_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "dlt_templates.csv"
    assert not load_registry(path).get("tika_help_en").approved  # no file yet
    write_approvals(path, {"tika_help_en": ("1107000000000000001", "Approved")})
    assert path.read_text().splitlines()[0] == "template_name,template_id,status"
    assert load_registry(path).get("tika_help_en").approved
    assert load_registry(path) is load_registry(path)  # built once
    write_approvals(path, {"tika_help_en": ("1107000000000000001", "Rejected")})
    assert not load_registry(path).get("tika_help_en").approved


def test_an_sms_rendered_for_dlt_fills_its_template(registry):
    long_list = vaccines(["opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1"])
    text = Text(texts.NEXT_VISIT, name="Rajalakshmi", vaccines=long_list, date=dt.date(2025, 3, 15))
    assert registry.match(render(text, "en")) is None  # 39 characters of vaccines
    match = registry.match(render_sms(text, "en"), "en")
    assert match.template.name == "tika_next_visit_en"
    assert match.variables["vaccines"] == "OPV-1, Penta-1, RVV-1 +2"
