"""Bring existing corpora (CSV or JSON Lines of question/answer pairs) into the corpus tables.

One row is one question/answer pair, or one statement when it has no question. It becomes
a Document of its own with a question segment and an answer segment that replies to it
(or a single statement segment), so imported rows sit in the same tables, views and
analysis as crawled pages.

Fields of a row, after column mapping: ``id`` (optional), ``date`` (required), ``question``
(optional), ``answer`` (required), ``url``, ``spokesperson``, ``ministry``, ``country``,
``title``, ``language`` (default "en") and ``source``. A column whose name is a field
(case and surrounding blanks ignored) gives that field; ``mapping`` (``--map COLUMN=FIELD``)
names the others, and a mapped column wins over one that merely has the field's name.

Layouts recognised from the header (CSV) or the first object's keys (JSON Lines):

* ``devset``: the labelled evaluation format of DESIGN.md (keys ``episode``,
  ``source_kind`` or ``actors`` besides the fields). Its labels are kept in the raw row.
* ``cmfa_presscon``: the CMFA PressCon research corpus of Chinese MFA press-conference
  pairs, whose header begins ``id, date, question, answer`` and names no ministry, country
  or source. Rows get the Chinese MFA, country CN and source ``cmfa_presscon`` (never
  ``fmprc``, so they cannot collide with crawled pages); ``respondent`` stands in for an
  empty or missing ``spokesperson``.
* ``generic``: anything else with the field names above.

The source of a row is its ``source`` field, else the ``source`` argument, else the
layout's, else ``import_<country>`` (``import_cn``), else ``import_<ministry>``, else
``import``. A source that is not registered yet is registered with the row's ministry and
country, or "unknown" and "XX".

Identity: a row's native id is its ``id``, else the first 16 hex digits of the sha256 of
its date, question and answer. Its URL is ``<url>#<native id>`` when the row gives a url
(a transcript holds many pairs, and the page itself may be crawled into another source:
``documents.url`` is unique), else ``import:<source>/<native id>``. Importing the same
file again therefore changes nothing.

Limits: a field holds at most MAX_FIELD_CHARS (10,000,000) characters, in CSV and JSON
Lines alike, and no NUL character; a ``url`` must be an http(s) URL (readers follow it to
the official transcript). A longer field, a NUL or any other URL makes its row bad. An
answer or question longer than MAX_TURN_CHARS (10,000) characters is stored as
consecutive parts (see corpus.limits).

Importing is all or nothing: every row is read and checked first, every bad row is
reported with its line (the physical line of the file, the CSV header being line 1; a
CSV record that spans several lines is reported at its first), and only a file without
a bad row is stored, in one transaction. The stored page of an imported document is the
row itself as JSON (for JSON Lines, the line exactly as written), so nothing is lost.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from dateutil import parser as date_parser

from .errors import CorpusError
from .limits import MAX_FIELD_CHARS, split_long_segments, web_url_problem
from .records import Document, Segment, Source
from .store import Corpus, segment_ids, sha256_hex

FIELDS = (
    "id",
    "date",
    "question",
    "answer",
    "url",
    "spokesperson",
    "ministry",
    "country",
    "title",
    "language",
    "source",
)
FORMATS = ("csv", "jsonl")
MAX_LISTED_ERRORS = 20
DEFAULT_LANGUAGE = "en"
UNKNOWN_MINISTRY = "unknown"
UNKNOWN_COUNTRY = "XX"
CONTENT_TYPE = "application/json"

_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class BadImportFile(CorpusError):
    """The file to import has bad rows or a bad column mapping; nothing was imported."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class Problem:
    """One bad row (or header, or mapping) of a file: where it is and what is wrong."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Layout:
    name: str
    # field -> columns (lower case) that stand in for it when its own column is empty
    fallbacks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # field -> value used when no column gives one
    defaults: dict[str, str] = field(default_factory=dict)


CMFA_MINISTRY = "Ministry of Foreign Affairs of the People's Republic of China"
CMFA_PRESSCON = Layout(
    "cmfa_presscon",
    fallbacks={"spokesperson": ("respondent",)},
    defaults={"ministry": CMFA_MINISTRY, "country": "CN", "source": "cmfa_presscon"},
)
DEVSET = Layout("devset")
GENERIC = Layout("generic")
LAYOUTS = {layout.name: layout for layout in (CMFA_PRESSCON, DEVSET, GENERIC)}

_DEVSET_MARKS = {"episode", "source_kind", "actors"}


def detect_layout(columns: list[str]) -> Layout:
    """The built-in layout a header (or a JSON object's keys) belongs to."""
    names = [column.strip().lower() for column in columns]
    if _DEVSET_MARKS & set(names) and {"date", "answer"} <= set(names):
        return DEVSET
    if names[:4] == ["id", "date", "question", "answer"] and not {"ministry", "country", "source"} & set(names):
        return CMFA_PRESSCON
    return GENERIC


@dataclass
class ImportReport:
    """What an import did. Rows read = documents added + updated + unchanged."""

    path: str
    format: str
    layout: str
    rows_read: int = 0
    documents_added: int = 0
    documents_updated: int = 0
    documents_unchanged: int = 0
    segments_added: int = 0
    sources_added: list[str] = field(default_factory=list)

    def summary(self) -> str:
        sources = f"; new sources: {', '.join(self.sources_added)}" if self.sources_added else ""
        return (
            f"{self.path} ({self.format}, {self.layout} layout): {self.rows_read} rows read, "
            f"{self.documents_added} documents added, {self.documents_updated} updated, "
            f"{self.documents_unchanged} unchanged, {self.segments_added} segments added{sources}"
        )


# Reading ------------------------------------------------------------------------------


@dataclass
class _RawRow:
    line: int
    values: dict  # column -> value, as read
    raw: bytes  # what is stored as the document's page


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise BadImportFile(f"{path}: cannot read the file: {error.strerror or error}") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(str(path), line, f"not UTF-8 text (byte {data[error.start]:#04x})"))
        return None


def _read_csv(path: Path, text: str, problems: list[Problem]) -> tuple[list[str], list[_RawRow]]:
    # The csv module stops at 131,072 characters a field; fields are checked against
    # MAX_FIELD_CHARS row by row instead, as JSON Lines fields are.
    previous_limit = csv.field_size_limit(sys.maxsize)
    try:
        return _read_csv_records(path, text, problems)
    finally:
        csv.field_size_limit(previous_limit)


def _read_csv_records(path: Path, text: str, problems: list[Problem]) -> tuple[list[str], list[_RawRow]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[_RawRow] = []
    columns: list[str] = []
    previous_end = 0
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(str(path), None, "empty file: no header line"))
            return [], rows
        columns = [column.strip() for column in header]
        seen: dict[str, int] = {}
        for index, column in enumerate(columns):
            if not column:
                problems.append(Problem(str(path), 1, f"column {index + 1} of the header has no name"))
            elif column in seen:
                problems.append(Problem(str(path), 1, f"column {column!r} appears twice in the header"))
            seen.setdefault(column, index)
        previous_end = reader.line_num
        for record in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # a blank line, or a spreadsheet's row of empty cells
            if len(record) != len(columns):
                problems.append(
                    Problem(str(path), line, f"{len(record)} fields, but the header has {len(columns)} columns")
                )
                continue
            values = dict(zip(columns, record))
            raw = json.dumps(values, ensure_ascii=False).encode("utf-8")
            rows.append(_RawRow(line, values, raw))
    except csv.Error as error:
        start = previous_end + 1
        if reader.line_num > start:
            # The record began on an earlier line: a quote opened there ran on.
            reason = (f"malformed CSV: the quoted field opened on this line is not closed where it should be "
                      f"(at line {reader.line_num}: {error}); reading stopped here")
        else:
            reason = f"malformed CSV ({error}); reading stopped here"
        problems.append(Problem(str(path), start, reason))
        return columns, rows
    return columns, rows


def _read_jsonl(path: Path, text: str, problems: list[Problem]) -> tuple[list[str], list[_RawRow]]:
    rows: list[_RawRow] = []
    columns: dict[str, None] = {}
    # Split on "\n" only: a raw U+2028 inside a JSON string is not a line break.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(str(path), number, f"malformed JSON at column {error.colno}: {error.msg}"))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(str(path), number, f"a JSON {type(value).__name__}, not an object"))
            continue
        columns.update(dict.fromkeys(value))
        rows.append(_RawRow(number, value, line.encode("utf-8")))
    first = list(rows[0].values) if rows else []
    # The layout is read from the first object; the mapping is checked against every key.
    return first + [column for column in columns if column not in first], rows


# Column plan --------------------------------------------------------------------------


def _check_mapping(path: Path, mapping: dict[str, str]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for column, target in mapping.items():
        name = target.strip().lower()
        if name not in FIELDS:
            raise BadImportFile(
                f"{path}: --map {column}={target}: unknown field {target!r}; the fields are {', '.join(FIELDS)}"
            )
        clean[column.strip()] = name
    by_field: dict[str, list[str]] = {}
    for column, name in clean.items():
        by_field.setdefault(name, []).append(column)
    for name, columns in by_field.items():
        if len(columns) > 1:
            raise BadImportFile(
                f"{path}: --map gives the field {name!r} twice (columns {', '.join(map(repr, columns))})"
            )
    return clean


def _plan(
    path: Path, columns: list[str], mapping: dict[str, str], layout: Layout, header_line: int | None
) -> tuple[dict[str, list[str]], list[Problem]]:
    """For each field, the columns that give it, in order of preference."""
    problems: list[Problem] = []
    plan: dict[str, list[str]] = {name: [] for name in FIELDS}
    for column, name in mapping.items():
        if column not in columns:
            where = f"the header has no column {column!r}" if header_line else f"no line has a key {column!r}"
            problems.append(
                Problem(str(path), header_line, f"--map {column}={name}: {where} (columns: {', '.join(columns) or 'none'})")
            )
        plan[name].append(column)
    mapped_fields = set(mapping.values())
    for column in columns:
        name = column.strip().lower()
        if column not in mapping and name in FIELDS and name not in mapped_fields:
            plan[name].append(column)
    for name, fallbacks in layout.fallbacks.items():
        for column in columns:
            if column not in mapping and column.strip().lower() in fallbacks:
                plan[name].append(column)
    if columns:
        for required in ("date", "answer"):
            if not plan[required]:
                problems.append(
                    Problem(
                        str(path),
                        header_line,
                        f"no column gives the {required} (columns: {', '.join(columns)}); "
                        f"name one with --map COLUMN={required}",
                    )
                )
    return plan, problems


# Rows -> documents --------------------------------------------------------------------


def _text(value: object, column: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"column {column!r} holds a JSON {type(value).__name__}, not text")
    text = str(value)
    if len(text) > MAX_FIELD_CHARS:
        raise ValueError(f"column {column!r} holds {len(text):,} characters, over the maximum of {MAX_FIELD_CHARS:,}")
    if "\x00" in text:
        raise ValueError(f"column {column!r} holds a NUL character (at character {text.index(chr(0)) + 1})")
    text = text.strip()
    return text or None


def parse_date(value: str) -> dt.date:
    """A full calendar date from any common spelling; a missing day or month is an error."""
    try:
        first = date_parser.parse(value, default=dt.datetime(1, 1, 1))
        second = date_parser.parse(value, default=dt.datetime(2, 2, 2))
    except (ValueError, OverflowError) as error:
        reason = str(error).removesuffix(f": {value}")
        raise ValueError(f"unparseable date {value!r} ({reason})") from None
    if first.date() != second.date():
        raise ValueError(f"incomplete date {value!r}: it needs a year, a month and a day")
    return first.date()


def _paragraphs(text: str) -> int:
    return max(1, sum(1 for line in text.split("\n") if line.strip()))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass
class PlannedDocument:
    """A checked row: the document it becomes and the source details to register."""

    line: int
    document: Document
    ministry: str
    country: str


def _document(
    row: _RawRow, plan: dict[str, list[str]], layout: Layout, source_argument: str | None, fetched_at: dt.datetime
) -> PlannedDocument:
    """The document a row becomes; ValueError with every reason when the row is bad."""
    reasons: list[str] = []
    values: dict[str, str | None] = {}
    unreadable: set[str] = set()
    for name, columns in plan.items():
        values[name] = None
        for column in columns:
            try:
                text = _text(row.values.get(column), column)
            except ValueError as error:
                reasons.append(str(error))
                unreadable.add(name)
                break
            if text is not None:
                values[name] = text
                break
    date = None
    if values["date"] is None:
        if "date" not in unreadable:
            reasons.append("no date")
    else:
        try:
            date = parse_date(values["date"])
        except ValueError as error:
            reasons.append(str(error))
    if values["answer"] is None and "answer" not in unreadable:
        reasons.append("no answer")
    ministry = values["ministry"] or layout.defaults.get("ministry")
    country = (values["country"] or layout.defaults.get("country") or "").upper() or None
    source = values["source"] or source_argument or layout.defaults.get("source")
    if source is None:
        if country:
            source = f"import_{_slug(country)}"
        elif ministry and _slug(ministry):
            source = f"import_{_slug(ministry)}"
        else:
            source = "import"
    if not _SOURCE_NAME.match(source):
        reasons.append(f"source name {source!r} is not letters, digits, '_', '.' or '-'")
    if values["url"] and (problem := web_url_problem(values["url"])):
        reasons.append(problem)
    if reasons:
        raise ValueError("; ".join(reasons))
    assert date is not None and values["answer"] is not None
    question, answer, spokesperson = values["question"], values["answer"], values["spokesperson"]
    native_id = values["id"] or sha256_hex(f"{date.isoformat()}\x1f{question or ''}\x1f{answer}")[:16]
    if values["url"]:
        url = values["url"]
        url = f"{url}{'&' if '#' in url else '#'}{quote(native_id, safe='-._~')}"
    else:
        url = f"import:{source}/{quote(native_id, safe='-._~')}"
    if question is None:
        segments = [Segment("statement", answer, speaker=spokesperson, paragraphs=_paragraphs(answer))]
    else:
        segments = [
            Segment("question", question, paragraphs=_paragraphs(question)),
            Segment("answer", answer, speaker=spokesperson, paragraphs=_paragraphs(answer), reply_to=0),
        ]
    document = Document(
        source=source,
        url=url,
        native_id=native_id,
        html=row.raw,
        fetched_at=fetched_at,
        language=values["language"] or DEFAULT_LANGUAGE,
        http_status=None,
        content_type=CONTENT_TYPE,
        encoding="utf-8",
        title=values["title"],
        date=date,
        spokesperson=spokesperson,
        layout=f"import:{layout.name}",
        segments=segments,
    )
    return PlannedDocument(row.line, document, ministry or UNKNOWN_MINISTRY, country or UNKNOWN_COUNTRY)


# Against the corpus -------------------------------------------------------------------


def _stored_state(corpus: Corpus, document: Document) -> tuple[tuple | None, list[tuple]]:
    row = corpus.db.execute(
        """SELECT source, url, title, date, date_inferred, spokesperson, kind, language, layout,
                  sequence, http_status, html_sha256, parse_status, segment_count
           FROM documents WHERE id = ?""",
        [document.id],
    ).fetchone()
    if row is None:
        return None, []
    segments = corpus.db.execute(
        """SELECT id, kind, label, speaker, reply_to, paragraphs FROM segments
           WHERE document_id = ? ORDER BY position""",
        [document.id],
    ).fetchall()
    return tuple(row), [tuple(segment) for segment in segments]


def _planned_state(document: Document) -> tuple[tuple, list[tuple]]:
    stored_segments = split_long_segments(document.segments)
    ids = segment_ids(document.id, stored_segments)
    row = (
        document.source,
        document.url,
        document.title,
        document.date.isoformat() if document.date else None,
        document.date_inferred,
        document.spokesperson,
        document.kind,
        document.language,
        document.layout,
        document.sequence,
        document.http_status,
        sha256_hex(document.html),
        "ok",
        len(stored_segments),
    )
    segments = [
        (ids[i], s.kind, s.label, s.speaker, ids[s.reply_to] if s.reply_to is not None else None, s.paragraphs)
        for i, s in enumerate(stored_segments)
    ]
    return row, segments


def _read_rows(path: Path, fmt: str, problems: list[Problem]) -> tuple[list[str], list[_RawRow], int | None]:
    text = _read_text(path, problems)
    if text is None:
        return [], [], None
    if fmt == "csv":
        columns, rows = _read_csv(path, text, problems)
        return columns, rows, 1
    columns, rows = _read_jsonl(path, text, problems)
    return columns, rows, None


def _refuse(path: Path, problems: list[Problem]) -> BadImportFile:
    head = f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}, nothing imported"
    listed = [str(problem) for problem in problems[:MAX_LISTED_ERRORS]]
    if len(problems) > MAX_LISTED_ERRORS:
        listed.append(f"... and {len(problems) - MAX_LISTED_ERRORS} more")
    return BadImportFile("\n".join([head, *listed]), problems)


def plan_import(
    corpus: Corpus,
    path: str | Path,
    fmt: str,
    mapping: dict[str, str] | None = None,
    source: str | None = None,
    *,
    fetched_at: dt.datetime | None = None,
) -> tuple[Layout, list[PlannedDocument]]:
    """Read and check every row of a file; BadImportFile listing every bad row, or the documents."""
    path = Path(path)
    if fmt not in FORMATS:
        raise BadImportFile(f"{path}: unknown format {fmt!r}; the formats are {', '.join(FORMATS)}")
    if source is not None and not _SOURCE_NAME.match(source):
        raise BadImportFile(f"{path}: source name {source!r} is not letters, digits, '_', '.' or '-'")
    clean_mapping = _check_mapping(path, mapping or {})
    fetched_at = fetched_at or dt.datetime.now(dt.timezone.utc)

    problems: list[Problem] = []
    columns, rows, header_line = _read_rows(path, fmt, problems)
    layout = detect_layout(columns) if columns else GENERIC
    plan, plan_problems = _plan(path, columns, clean_mapping, layout, header_line)
    problems[:0] = plan_problems
    planned: list[PlannedDocument] = []
    if not plan_problems:
        first_line_of: dict[str, int] = {}
        url_line: dict[str, int] = {}
        for row in rows:
            try:
                item = _document(row, plan, layout, source, fetched_at)
            except ValueError as error:
                problems.append(Problem(str(path), row.line, str(error)))
                continue
            document = item.document
            if document.id in first_line_of:
                problems.append(
                    Problem(
                        str(path),
                        row.line,
                        f"same document {document.id!r} as line {first_line_of[document.id]} "
                        "(a repeated id, or the same date, question and answer)",
                    )
                )
                continue
            first_line_of[document.id] = row.line
            if document.url in url_line:
                problems.append(
                    Problem(str(path), row.line, f"url {document.url} is also the url of line {url_line[document.url]}")
                )
                continue
            url_line[document.url] = row.line
            stored = corpus.db.execute("SELECT id FROM documents WHERE url = ?", [document.url]).fetchone()
            if stored and stored[0] != document.id:
                problems.append(
                    Problem(str(path), row.line, f"url {document.url} is already stored as {stored[0]!r}")
                )
                continue
            planned.append(item)
    if problems:
        problems.sort(key=lambda problem: (problem.line is not None, problem.line or 0))
        raise _refuse(path, problems)
    return layout, planned


def import_file(
    corpus: Corpus,
    path: str | Path,
    fmt: str,
    mapping: dict[str, str] | None = None,
    source: str | None = None,
) -> ImportReport:
    """Import a CSV or JSON Lines file of question/answer pairs, all of it or nothing.

    ``mapping`` maps a file column to a field (``--map COLUMN=FIELD``); ``source`` names
    the source of rows that do not name their own. Raises BadImportFile, listing up to
    20 bad rows as "FILE:LINE: reason", when any row is bad; nothing is stored then.
    """
    layout, planned = plan_import(corpus, path, fmt, mapping, source)
    report = ImportReport(path=str(path), format=fmt, layout=layout.name, rows_read=len(planned))
    try:
        _store(corpus, planned, report)
    except sqlite3.OperationalError as error:  # a read-only or locked file, a full disk
        raise BadImportFile(f"{path}: cannot write to {corpus.path} ({error}); nothing imported") from error
    return report


def _store(corpus: Corpus, planned: list[PlannedDocument], report: ImportReport) -> None:
    with corpus.db.atomic():
        for item in planned:
            document = item.document
            if not corpus.db["sources"].count_where("name = ?", [document.source]):
                corpus.register_source(
                    Source(
                        name=document.source,
                        ministry=item.ministry,
                        country=item.country,
                        language=document.language,
                    )
                )
                report.sources_added.append(document.source)
            stored_row, stored_segments = _stored_state(corpus, document)
            planned_row, planned_segments = _planned_state(document)
            if stored_row == planned_row and stored_segments == planned_segments:
                report.documents_unchanged += 1
                continue
            known = {segment[0] for segment in stored_segments}
            corpus.store_document(document)
            report.segments_added += sum(1 for segment in planned_segments if segment[0] not in known)
            if stored_row is None:
                report.documents_added += 1
            else:
                report.documents_updated += 1
