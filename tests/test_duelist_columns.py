"""The due list an ANM works from (issue 29, item 3): child, mother and her number, village
or address, ASHA, vaccines, last visit and days overdue, on the dashboard's page, its
printable A4 page and its CSV, with Hindi and English headers, sorted by any column."""

from __future__ import annotations

import csv
import io
import re

import pytest

from scheduler import clock
from tests.dashboard_support import sign_in
from tests.support import run_flask

pytestmark = pytest.mark.both_databases

ASHA = "+919812300000"
RAVI_MOTHER = "+919800001111"
MEENA = "+919800000021"
MEERA_MOTHER = "+919800000031"
QUERY = "?district=LUCKNOW&week=2025-W11"  # Lucknow's sessions: Wednesday 12, Saturday 15


@pytest.fixture
def families(config, phone):
    """Three Lucknow families, each due at the session of Wednesday 12 March 2025."""
    added = run_flask(
        config, "health-workers", "add", ASHA, "--name", "Sunita", "--district", "lucknow",
        "--lang", "en", now="2025-03-01T09:00:00+05:30",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    # ASHA Sunita registers Ravi (nine months old, nothing recorded) on his mother's number.
    with clock.frozen("2025-03-01T10:00"):
        phone.other(ASHA).send("REG Ravi 1/6/2024 226010 98000 01111")
    # Meena registers her pregnancy, then her baby at birth; the birth doses and the
    # 6-week doses reported; her session is at the Rampur anganwadi.
    meena = phone.other(MEENA)
    with clock.frozen("2024-06-01T10:00"):
        for text in ("PREG", "Meena", "1/4/2024", "2", "226001", "1"):
            meena.send(text)
    with clock.frozen("2025-01-02T10:00"):
        assert meena.send("BORN 1/1/2025")[0].startswith("Congratulations")
        meena.send("DONE 1/1")
        meena.send("SITE Anganwadi Rampur")
    with clock.frozen("2025-02-12T18:00"):
        meena.send("DONE")
    # Meera started the series (6-week doses on 12 November) and missed the 10-week
    # doses, due on 10 December (10 weeks old, 4 weeks after Penta-1): a drop-out.
    with clock.frozen("2025-03-01T10:00"):
        for text in ("REG Meera 1/10/2024 226010", "DONE 1/10/2024", "DONE 12/11/2024"):
            phone.other(MEERA_MOTHER).send(text)


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def cells(html: str) -> list[list[str]]:
    """The body rows of every table on a page, each as its cells' text."""
    body = "".join(re.findall(r"<tbody>(.*?)</tbody>", html, re.S))
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def headers(html: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    return [
        re.sub(r"<[^>]+>|[▲▼]", "", th).strip()
        for th in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)
    ]


def get_all(staff, query: str):
    with clock.frozen("2025-03-09T20:00"):
        return (
            staff.get("/dashboard/duelists" + query),
            staff.get("/dashboard/duelists/print" + query),
            staff.get("/dashboard/duelists.csv" + query),
        )


ENGLISH_ROWS = {
    "Baby": {
        "Mother": "Meena",
        "Phone": MEENA,
        "Village / address": "Anganwadi Rampur, Lucknow",
        "ASHA": "",
        "Vaccines": "OPV-2, Penta-2, RVV-2",
        "Last visit": "12 February 2025",
        "Days overdue": "",
    },
    "Meera": {
        "Mother": "",
        "Phone": MEERA_MOTHER,
        "Village / address": "Lucknow",
        "ASHA": "",
        "Last visit": "12 November 2024",
        "Days overdue": "92",  # 10 December to 12 March
    },
    "Ravi": {
        "Mother": "",
        "Phone": RAVI_MOTHER,  # in full: the list is for health staff
        "Village / address": "Lucknow",
        "ASHA": f"Sunita, {ASHA}",
        "Last visit": "–",
        "Days overdue": "284",  # BCG, due at birth (1 June 2024)
    },
}


def test_the_new_columns_on_the_page_the_print_and_the_csv(app, client, families):
    staff = sign_in(app, client)
    staff.post("/language", {"lang": "en", "next": "/dashboard"})
    page, printed, download = get_all(staff, QUERY)
    assert (page.status_code, printed.status_code, download.status_code) == (200, 200, 200)

    rows = {row["Child"]: row for row in csv_rows(download)}
    assert set(rows) == set(ENGLISH_ROWS)
    for child, expected in ENGLISH_ROWS.items():
        assert {key: rows[child][key] for key in expected} == expected, child
        assert rows[child]["Session day"] == "12 March 2025"
    assert rows["Ravi"]["Left-out"] == "yes" and rows["Meera"]["Drop-out"] == "yes"

    html = page.get_data(as_text=True)
    shown = headers(html)
    assert shown == [
        "Session day", "Child", "Mother", "Phone", "Village / address", "ASHA", "Vaccines",
        "Status", "Last visit", "Days overdue",
    ]  # fmt: skip
    by_child = {row[1]: dict(zip(shown, row, strict=True)) for row in cells(html)}
    for child, expected in ENGLISH_ROWS.items():
        assert {key: by_child[child][key] for key in expected} == expected, child
    assert by_child["Meera"]["Status"] == "overdue · Drop-out"
    # On a 390 px phone the table scrolls inside its own box, not the page.
    assert 'class="duelist-scroll"' in html and "overflow-x: auto" in html

    sheet = printed.get_data(as_text=True)
    assert "@page { size: A4 landscape" in sheet and '"Noto Sans Devanagari"' in sheet
    assert "thead { display: table-header-group; }" in sheet  # headers on every page
    assert "<h2>12 March 2025 <small>— Children due: 3</small></h2>" in sheet
    on_paper = headers(sheet)
    by_child = {row[0]: dict(zip(on_paper, row, strict=True)) for row in cells(sheet)}
    for child, expected in ENGLISH_ROWS.items():
        assert {key: by_child[child][key] for key in expected} == expected, child


def test_hindi_headers_and_values(app, client, families):
    staff = sign_in(app, client)
    staff.post("/language", {"lang": "hi", "next": "/dashboard"})
    page, printed, download = get_all(staff, QUERY)
    rows = {row["बच्चा"]: row for row in csv_rows(download)}
    assert {key: rows["Baby"][key] for key in ("माँ", "फ़ोन", "गाँव / पता", "पिछला टीका")} == {
        "माँ": "Meena",
        "फ़ोन": MEENA,
        "गाँव / पता": "Anganwadi Rampur, लखनऊ",
        "पिछला टीका": "12 फ़रवरी 2025",
    }
    assert (rows["Ravi"]["आशा"], rows["Ravi"]["कितने दिन देर"]) == (f"Sunita, {ASHA}", "284")
    for response in (page, printed):
        html = response.get_data(as_text=True)
        assert {"माँ", "आशा", "गाँव / पता", "पिछला टीका", "कितने दिन देर"} <= set(headers(html))
        assert "Anganwadi Rampur, लखनऊ" in html and "12 फ़रवरी 2025" in html
        assert f"Sunita, {ASHA}" in html


def children_in(response, column: int) -> list[str]:
    return [row[column] for row in cells(response.get_data(as_text=True))]


SORTS = [  # (query, the children in order)
    ("", ["Baby", "Meera", "Ravi"]),  # by day, then name
    ("&sort=days_overdue&order=desc", ["Ravi", "Meera", "Baby"]),
    ("&sort=days_overdue&order=asc", ["Baby", "Meera", "Ravi"]),
    ("&sort=last_visit&order=desc", ["Baby", "Meera", "Ravi"]),
    ("&sort=last_visit", ["Ravi", "Meera", "Baby"]),
    ("&sort=asha&order=desc", ["Ravi", "Baby", "Meera"]),
    ("&sort=mother&order=desc", ["Baby", "Meera", "Ravi"]),
    ("&sort=village&order=asc", ["Baby", "Meera", "Ravi"]),
    ("&sort=child&order=desc", ["Ravi", "Meera", "Baby"]),
    ("&sort=bogus&order=sideways", ["Baby", "Meera", "Ravi"]),  # unknown: the default
]


def test_sorting_the_page_the_print_and_the_csv(app, client, families):
    staff = sign_in(app, client)
    for sort, order in SORTS:
        page, printed, download = get_all(staff, QUERY + sort)
        assert (page.status_code, printed.status_code, download.status_code) == (200, 200, 200)
        assert children_in(page, 1) == order, sort
        assert children_in(printed, 0) == order, sort
        assert [row["Child"] for row in csv_rows(download)] == order, sort


def test_the_sort_links_keep_the_district_and_week(app, client, families):
    staff = sign_in(app, client)
    page, _printed, _download = get_all(staff, QUERY + "&sort=days_overdue&order=desc")
    html = page.get_data(as_text=True).replace("&amp;", "&")
    # The column sorted by links to the other order; the download and print keep the sort.
    assert "/dashboard/duelists?district=LUCKNOW&week=2025-W11&sort=days_overdue&order=asc" in html
    assert "/dashboard/duelists?district=LUCKNOW&week=2025-W11&sort=child&order=asc" in html
    assert (
        "/dashboard/duelists.csv?district=LUCKNOW&week=2025-W11&sort=days_overdue&order=desc"
        in html
    )
    assert 'aria-sort="descending"' in html
