"""DLT: the templates India's operators hold Tika's SMS to, and matching a message to one.

An Indian operator delivers an A2P SMS only when its text equals a template registered on
the DLT platform, character for character, except its variables (``{#var#}``, each at
most 30 characters), and it goes with the entity's id and the template's id. Every kind
of SMS Tika sends (:data:`flows.sms_templates.TEMPLATES`) in every shipped language is
one template here, named ``tika_<key>_<lang>``; its content is the gettext translation
with each ``%(name)s`` written ``{#var#}``.

The ids the portal gave are kept in a CSV file (``DLT_TEMPLATES``: template_name,
template_id, status), written by ``flask --app bot dlt import`` from the portal's export.
:func:`load_registry` reads it once (again when the file changes); ``registry.match(body)``
says which template a message fills, and whether that template is approved.

The rules ``dlt check`` holds every template to (:meth:`Registry.problems`):

- errors (exit 1): no approved template id; a text not translated in a language other
  than English (no msgstr, a fuzzy one, or the English msgid copied); two variables
  with nothing but spaces between them (``{#var#} {#var#}``); more than
  :data:`MAX_VARIABLES` (5) variables; no fixed words at all;
- warnings (exit 0; 1 with ``--strict``): two variables with only punctuation between
  them (``{#var#}: {#var#}``, ``{#var#} ({#var#})``: operators differ, better reworded);
  more than :data:`AIM_VARIABLES` (3) variables; more than :data:`MAX_SEGMENTS` (2) SMS
  segments with every variable 30 characters long (DLT sets no length limit: it is our
  budget, and tests/test_texts.py holds every text rendered with real values to 2
  segments); two templates of one language with the same content (the portal may refuse
  the second; matching prefers the approved one); ids in the file for no template of
  ours.

Imports: flows, locales, scheduler and bot.storage only (a floor below the wings).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flows.sms_templates import COMMUNICATION_TYPES, TEMPLATES, SmsText
from locales import LANGUAGES, VARIABLE_LIMIT, CatalogMissing, gettext, translations
from locales.segments import is_gsm7, segment_count

VAR = "{#var#}"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATES_FILE = PROJECT_ROOT / "var" / "dlt_templates.csv"
FILE_COLUMNS = ("template_name", "template_id", "status")
EXPORT_COLUMNS = (
    "template_name",
    "communication_type",
    "content_category",
    "header",
    "template_message_type",
    "content",
)
APPROVED_STATUSES = frozenset({"approved", "active"})

AIM_VARIABLES = 3  # more: a warning
MAX_VARIABLES = 5  # more: an error
MAX_SEGMENTS = 2  # every text's budget; more with every variable at 30 characters: a warning

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


# ---- a text as a template -------------------------------------------------------------------


def _pieces(translation: str) -> tuple[list[str], list[str]]:
    """A translation cut at its placeholders: the literal parts (one more than the names,
    ``%%`` read as ``%``) and the placeholders' names, in order."""
    literals, names = [""], []
    end = 0
    for found in _PLACEHOLDER.finditer(translation):
        literals[-1] += translation[end : found.start()]
        if found.group(1) is None:
            literals[-1] += "%"
        else:
            names.append(found.group(1))
            literals.append("")
        end = found.end()
    literals[-1] += translation[end:]
    return literals, names


def _joined(parts: Iterable[tuple[list[str], list[str]]]) -> tuple[list[str], list[str]]:
    """Several texts' pieces as one message's, the texts joined by a space."""
    literals: list[str] = []
    names: list[str] = []
    for part_literals, part_names in parts:
        if literals:
            literals[-1] += " " + part_literals[0]
            literals += part_literals[1:]
        else:
            literals = list(part_literals)
        names += part_names
    return literals, names


def template_content(msgid: str, lang: str) -> str:
    """The DLT content of ``msgid`` in ``lang``: its translation with every ``%(x)s``
    written ``{#var#}`` and ``%%`` as ``%``."""
    literals, _ = _pieces(gettext(msgid, lang))
    return VAR.join(literals)


def variables(msgid: str) -> list[str]:
    """The names of ``msgid``'s placeholders, in order."""
    return _pieces(msgid)[1]


def message_type(content: str) -> str:
    """ "Text" when every character is in the GSM-7 alphabet, else "Unicode" (Hindi)."""
    return "Text" if is_gsm7(content) else "Unicode"


def _translated(msgid: str, lang: str) -> bool:
    """Whether ``lang``'s catalog translates ``msgid``: English may keep the msgid as it
    is; another language may not leave it out (nor fuzzy), nor copy an English msgid
    (one already in the language's script, such as the language menu, may stay)."""
    if lang.startswith("en"):
        return True
    catalog = getattr(translations(lang), "_catalog", None)  # the compiled .mo's entries
    if catalog is not None and not catalog.get(msgid):
        return False
    return gettext(msgid, lang) != msgid or not msgid.isascii()


# ---- templates and matches ------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One DLT template: a kind of SMS in one language, and what the portal said of it."""

    name: str  # tika_<key>_<lang>
    key: str  # flows.sms_templates.TEMPLATES
    lang: str
    content: str  # the text with {#var#} for each variable
    communication_type: str  # "service_implicit" or "service_explicit"
    content_category: str  # "Health"
    message_type: str  # "Unicode" or "Text"
    template_id: str | None = None  # the portal's id, once given
    status: str = ""  # the portal's word: "Approved", "Pending", "Rejected", ...
    variables: tuple[str, ...] = ()  # the placeholders' names, in the content's order
    literals: tuple[str, ...] = ()  # the fixed text around them (one more than variables)
    msgids: tuple[str, ...] = ()  # the texts it is made of (flows.sms_templates)

    @property
    def approved(self) -> bool:
        return bool(self.template_id) and self.status.strip().lower() in APPROVED_STATUSES

    @property
    def communication_label(self) -> str:
        """The communication type as the portal writes it: "Service Implicit"."""
        return COMMUNICATION_TYPES[self.communication_type]


@dataclass(frozen=True)
class Match:
    """A message and the template it fills: the values of its variables by name."""

    template: Template
    variables: dict[str, str]

    @property
    def approved(self) -> bool:
        return self.template.approved


@dataclass(frozen=True)
class Problem:
    """Something ``dlt check`` reports: an ``error`` or a ``warning``."""

    severity: str
    kind: str
    template: str  # the template's name ("" for the whole registry)
    message: str

    def __str__(self) -> str:
        where = f"{self.template}: " if self.template else ""
        return f"{self.severity} {self.kind}: {where}{self.message}"


def _regex(literals: tuple[str, ...], names: tuple[str, ...]) -> re.Pattern[str]:
    """The content as a regular expression: the literal text escaped, each variable 1 to 30
    characters (the same name twice: the same value)."""
    pattern = [re.escape(literals[0])]
    seen = set()
    for name, literal in zip(names, literals[1:], strict=True):
        if name in seen:
            pattern.append(f"(?P=v_{name})")
        else:
            seen.add(name)
            pattern.append(f"(?P<v_{name}>.{{1,{VARIABLE_LIMIT}}})")
        pattern.append(re.escape(literal))
    return re.compile("".join(pattern))


@dataclass
class _Matcher:
    """One template ready to be matched: cheap tests first, the regex last."""

    template: Template
    prefix: str  # the fixed text before the first variable
    suffix: str  # and after the last
    fixed: int  # characters of fixed text
    shortest: int  # the shortest and longest body that can match
    longest: int
    regex: re.Pattern[str]


@dataclass
class Registry:
    """Every template Tika sends, with the ids the portal gave them."""

    templates: tuple[Template, ...]
    stale: tuple[str, ...] = ()  # names with an id in the file but no template of ours
    catalog_problems: tuple[Problem, ...] = ()
    _by_name: dict[str, Template] = field(init=False, repr=False)
    _exact: dict[tuple[str, str], list[Template]] = field(init=False, repr=False)
    _matchers: dict[str, list[_Matcher]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {t.name: t for t in self.templates}
        self._exact = {}
        self._matchers = {t.lang: [] for t in self.templates}
        for template in self.templates:
            if not template.variables:
                self._exact.setdefault((template.lang, template.content), []).append(template)
                continue
            fixed = sum(len(literal) for literal in template.literals)
            n = len(template.variables)
            matcher = _Matcher(
                template,
                template.literals[0],
                template.literals[-1],
                fixed,
                fixed + n,
                fixed + n * VARIABLE_LIMIT,
                _regex(template.literals, template.variables),
            )
            self._matchers[template.lang].append(matcher)
        for matchers in self._matchers.values():  # the most fixed text first: the most specific
            matchers.sort(key=lambda m: -m.fixed)

    # -- building --

    @classmethod
    def build(
        cls,
        approvals: Mapping[str, tuple[str | None, str]] | None = None,
        entries: Mapping[str, SmsText] | None = None,
        languages: Iterable[str] = LANGUAGES,
    ) -> Registry:
        """Every entry of ``entries`` (all of :data:`TEMPLATES`) in every language, with
        its ``approvals`` (template name -> (template id, status))."""
        approvals = approvals or {}
        entries = TEMPLATES if entries is None else entries
        templates, broken = [], []
        for lang in languages:
            try:
                for entry in entries.values():
                    templates.append(_template(entry, lang, approvals))
            except CatalogMissing as error:
                broken.append(Problem("error", "catalog_missing", "", f"{lang}: {error}"))
        names = {t.name for t in templates}
        stale = tuple(sorted(name for name in approvals if name not in names))
        return cls(tuple(templates), stale, tuple(broken))

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> Registry:
        """The registry with the approvals of the file at ``path`` (none if it is missing)."""
        path = Path(path or DEFAULT_TEMPLATES_FILE)
        return cls.build(read_approvals(path) if path.exists() else {})

    # -- looking up --

    def get(self, name: str) -> Template | None:
        return self._by_name.get(name)

    def for_key(self, key: str, lang: str) -> Template | None:
        return self._by_name.get(f"tika_{key}_{lang}")

    def match(self, body: str, lang: str | None = None) -> Match | None:
        """The template ``body`` fills exactly, each variable 1 to 30 characters: one of
        ``lang`` first, then any. Where several match, an approved one."""
        langs = list(self._matchers)
        if lang in self._matchers:
            langs.remove(lang)
            langs.insert(0, lang)
        fallback = None
        for each in langs:
            for template in self._exact.get((each, body), ()):
                if template.approved:
                    return Match(template, {})
                fallback = fallback or Match(template, {})
            size = len(body)
            for m in self._matchers[each]:
                if not (m.shortest <= size <= m.longest) or not body.startswith(m.prefix):
                    continue
                if not body.endswith(m.suffix):
                    continue
                found = m.regex.fullmatch(body)
                if found is None:
                    continue
                values = {name[2:]: value for name, value in found.groupdict().items()}
                if m.template.approved:
                    return Match(m.template, values)
                fallback = fallback or Match(m.template, values)
        return fallback

    # -- checking --

    def problems(self) -> list[Problem]:
        """Everything ``dlt check`` reports, errors first."""
        found = list(self.catalog_problems)
        seen: dict[tuple[str, str], str] = {}
        for template in self.templates:
            found += _template_problems(template)
            twin = seen.setdefault((template.lang, template.content), template.name)
            if twin != template.name:
                found.append(
                    Problem(
                        "warning",
                        "duplicate",
                        template.name,
                        f"the same content as {twin}: the portal may refuse one of them",
                    )
                )
        for name in self.stale:
            found.append(Problem("warning", "unknown_name", name, "an id for no template of ours"))
        return sorted(found, key=lambda p: (p.severity != "error", p.kind, p.template))


def _template(entry: SmsText, lang: str, approvals: Mapping) -> Template:
    literals, names = _joined(_pieces(gettext(msgid, lang)) for msgid in entry.msgids)
    content = VAR.join(literals)
    name = f"tika_{entry.key}_{lang}"
    template_id, status = approvals.get(name, (None, ""))
    return Template(
        name=name,
        key=entry.key,
        lang=lang,
        content=content,
        communication_type=entry.communication_type,
        content_category=entry.content_category,
        message_type=message_type(content),
        template_id=template_id or None,
        status=status or "",
        variables=tuple(names),
        literals=tuple(literals),
        msgids=entry.msgids,
    )


def _side_by_side(between: str) -> str | None:
    """How bad the text between two variables is: "error" when there is none but spaces,
    "warning" when only punctuation, None when a word or number stands between them."""
    if not between.strip():
        return "error"
    if all(ch.isspace() or unicodedata.category(ch)[0] in "PS" for ch in between):
        return "warning"
    return None


def worst_case(template: Template) -> str:
    """The template with every variable at its longest, in the template's script."""
    filler = ("x" if template.message_type == "Text" else "क") * VARIABLE_LIMIT
    return filler.join(template.literals)


def _template_problems(template: Template) -> list[Problem]:
    found = []

    def say(severity: str, kind: str, message: str) -> None:
        found.append(Problem(severity, kind, template.name, message))

    if not template.approved:
        state = f" (status {template.status!r})" if template.status else ""
        say("error", "unapproved", f"no approved template id{state}")
    for msgid in template.msgids:
        if not _translated(msgid, template.lang):
            say("error", "missing_translation", f"not translated: {msgid!r}")
    for before, between in zip(template.variables, template.literals[1:-1], strict=False):
        severity = _side_by_side(between)
        if severity == "error":
            say(severity, "side_by_side", f"variables side by side after {before!r}")
        elif severity:
            say(severity, "side_by_side", f"only {between.strip()!r} between two variables")
    n = len(template.variables)
    if n > MAX_VARIABLES:
        say("error", "too_many_variables", f"{n} variables, at most {MAX_VARIABLES}")
    elif n > AIM_VARIABLES:
        say("warning", "too_many_variables", f"{n} variables, we aim at {AIM_VARIABLES}")
    if not any(ch.isalpha() for ch in "".join(template.literals)):
        say("error", "no_fixed_text", "nothing but variables")
    segments = segment_count(worst_case(template))
    if segments > MAX_SEGMENTS:
        say("warning", "segments", f"{segments} SMS segments with every variable 30 characters")
    return found


# ---- the file of approved ids ---------------------------------------------------------------


def templates_file(config: Mapping) -> Path:
    """Where the approved ids are kept: ``DLT_TEMPLATES``, or var/dlt_templates.csv."""
    return Path(config.get("DLT_TEMPLATES") or DEFAULT_TEMPLATES_FILE)


def load_registry(path: str | os.PathLike | None = None) -> Registry:
    """The registry with the approvals in ``path``: built once, and again when the file
    changes (``dlt import``), so a process sends with the new ids without a restart."""
    path = Path(path or DEFAULT_TEMPLATES_FILE)
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        stamp = None
    return _cached_registry(str(path), stamp)


@lru_cache(maxsize=4)
def _cached_registry(path: str, stamp: tuple[int, int] | None) -> Registry:
    return Registry.build(read_approvals(Path(path)) if stamp else {})


def _decode(data: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without a BOM), UTF-16 (Excel's "Unicode text"),
    or Windows-1252."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _column(name: str) -> str:
    """A column's name as we compare it: "Template ID " -> "template_id"."""
    return re.sub(r"[^0-9a-z]+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")


NAME_COLUMNS = ("template_name", "templatename", "name", "template", "template_title")
ID_COLUMNS = (
    "template_id",
    "templateid",
    "dlt_template_id",
    "content_template_id",
    "template_id_dlt",
    "id",
)
STATUS_COLUMNS = ("status", "template_status", "approval_status", "state")


class PortalFileError(ValueError):
    """A file that is no list of templates."""


@dataclass(frozen=True)
class PortalRow:
    """One template of the portal's export."""

    name: str
    template_id: str | None
    status: str
    bad_id: str = ""  # an id that is no number (e.g. Excel's 1.10716E+18), not taken


def read_portal_rows(data: bytes | str) -> list[PortalRow]:
    """The rows of a portal's export (or of our own file): columns template_name,
    template_id and status, by any capitalisation or spacing, in any order, among others;
    comma, semicolon, tab or bar separated; with or without a BOM."""
    text = _decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t|"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        raise PortalFileError("the file is empty")
    columns = [_column(name) for name in header]

    def find(aliases: tuple[str, ...]) -> int | None:
        return next((columns.index(a) for a in aliases if a in columns), None)

    name_at, id_at, status_at = find(NAME_COLUMNS), find(ID_COLUMNS), find(STATUS_COLUMNS)
    if name_at is None or id_at is None:
        raise PortalFileError(f"no template_name and template_id columns in {header!r}")
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue

        def cell(at: int | None, cells: list[str] = cells) -> str:
            return cells[at].strip() if at is not None and at < len(cells) else ""

        name = cell(name_at)
        if not name:
            continue
        raw_id = cell(id_at).strip("'\"=").strip()
        good = re.fullmatch(r"\d{1,30}", raw_id) is not None
        status = cell(status_at)
        rows.append(
            PortalRow(name, raw_id if good else None, status, "" if good or not raw_id else raw_id)
        )
    return rows


def read_approvals(path: str | os.PathLike) -> dict[str, tuple[str | None, str]]:
    """The approvals kept at ``path``: template name -> (template id, status)."""
    rows = read_portal_rows(Path(path).read_bytes())
    return {row.name: (row.template_id, row.status) for row in rows}


def write_approvals(path: str | os.PathLike, approvals: Mapping[str, tuple[str | None, str]]):
    """Write ``approvals`` to ``path`` at once (a reader sees the old file or the new)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FILE_COLUMNS)
    for name in sorted(approvals):
        template_id, status = approvals[name]
        writer.writerow([name, template_id or "", status])
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fp:
            fp.write(out.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class ImportReport:
    """What ``dlt import`` took from the portal's file."""

    approved: list[str] = field(default_factory=list)
    not_approved: list[tuple[str, str]] = field(default_factory=list)  # (name, status)
    unknown: list[str] = field(default_factory=list)  # names of no template of ours
    bad_ids: list[tuple[str, str]] = field(default_factory=list)  # (name, what the id was)


def merge_approvals(
    kept: Mapping[str, tuple[str | None, str]],
    rows: Iterable[PortalRow],
    known: Iterable[str],
) -> tuple[dict[str, tuple[str | None, str]], ImportReport]:
    """``kept`` approvals updated by the portal's ``rows`` (for templates in ``known``)."""
    known = set(known)
    merged = dict(kept)
    report = ImportReport()
    for row in rows:
        if row.name not in known:
            report.unknown.append(row.name)
            continue
        if row.bad_id:
            report.bad_ids.append((row.name, row.bad_id))
            continue
        merged[row.name] = (row.template_id, row.status)
        if row.template_id and row.status.strip().lower() in APPROVED_STATUSES:
            report.approved.append(row.name)
        else:
            report.not_approved.append((row.name, row.status or "no status"))
    return merged, report
