"""Importers: existing corpora (CSV, JSON Lines) into the same tables, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from corpus import Corpus, CorpusError, Document, Segment, Source
from corpus.importers import CMFA_MINISTRY, BadImportFile, import_file, parse_date

DEVSET = Path(__file__).resolve().parents[1] / "files" / "devset" / "items.jsonl"
T1633680 = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1633680.shtml"

# Real pairs of the devset (fmprc-20190129-11, -12, -14 and fmprc-20190201-05).
MADURO_Q = (
    "On Venezuela, has the Chinese side been in contact with Maduro or the opposition leader? "
    "Which of those two do you recognize as the President of Venezuela?"
)
MADURO_A = (
    "My colleague has answered this question last week. Special Envoy of President Xi Jinping attended "
    "the inauguration ceremony of President Maduro on January 10, if I recall it correctly."
)
STILL_Q = "China still sees Maduro as the President of the country?"
STILL_A = (
    "I just told you that Special Envoy of President Xi Jinping attended the inauguration ceremony of "
    "President Maduro. I believed I have answered you question. What do you find difficult to understand?"
)
CHANGES_Q = "Have there been any changes since the inauguration of Maduro?"
CHANGES_A = "Do you think I would have answered you in that way if there were any changes?"
PARTIES_Q = (
    "You just said that China is maintaining close contact with all parties. Are we to understand from "
    "that you have been in touch with the opposition leader in Venezuela?"
)
PARTIES_A = (
    "As I just said, China maintains close communication with all parties through various means on the "
    "Venezuelan situation."
)

CMFA_HEADER = ["id", "date", "question", "answer", "respondent", "url"]
CMFA_ROWS = [
    ["1011", "2019-01-29", MADURO_Q, MADURO_A, "Geng Shuang", T1633680],
    ["1012", "January 29, 2019", STILL_Q, STILL_A, "Geng Shuang", T1633680],
    ["1014", "29 Jan 2019", CHANGES_Q, CHANGES_A, "Geng Shuang", T1633680],
    ["1105", "2019-02-01", PARTIES_Q, PARTIES_A, "Geng Shuang", ""],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def dump(corpus: Corpus) -> dict[str, list[tuple]]:
    return {
        table: corpus.db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in ("sources", "documents", "pages", "segments")
    }


def counts(report) -> tuple[int, int, int, int, int]:
    return (
        report.rows_read,
        report.documents_added,
        report.documents_updated,
        report.documents_unchanged,
        report.segments_added,
    )


@pytest.fixture
def corpus(tmp_path):
    with Corpus(tmp_path / "corpus.db") as opened:
        yield opened


def test_a_cmfa_presscon_csv_is_imported_once(corpus, tmp_path):
    path = write_csv(tmp_path / "presscon.csv", CMFA_HEADER, CMFA_ROWS)

    report = import_file(corpus, path, "csv")

    assert (report.layout, report.sources_added) == ("cmfa_presscon", ["cmfa_presscon"])
    assert counts(report) == (4, 4, 0, 0, 8)
    assert report.summary() == (
        f"{path} (csv, cmfa_presscon layout): 4 rows read, 4 documents added, 0 updated, 0 unchanged, "
        "8 segments added; new sources: cmfa_presscon"
    )
    assert list(corpus.db["sources"].rows) == [
        {"name": "cmfa_presscon", "ministry": CMFA_MINISTRY, "country": "CN", "language": "en", "homepage": None}
    ]
    documents = {row["id"]: row for row in corpus.db["documents"].rows}
    assert sorted(documents) == [
        "cmfa_presscon:1011", "cmfa_presscon:1012", "cmfa_presscon:1014", "cmfa_presscon:1105"
    ]
    first = documents["cmfa_presscon:1011"]
    assert (first["url"], first["date"], first["spokesperson"], first["language"]) == (
        T1633680 + "#1011", "2019-01-29", "Geng Shuang", "en"
    )
    assert (first["parse_status"], first["segment_count"], first["layout"]) == ("ok", 2, "import:cmfa_presscon")
    assert documents["cmfa_presscon:1012"]["date"] == "2019-01-29"
    assert documents["cmfa_presscon:1014"]["date"] == "2019-01-29"
    # No url in the row: a synthetic one that no crawled page can have.
    assert documents["cmfa_presscon:1105"]["url"] == "import:cmfa_presscon/1105"

    turns = corpus.segments_of("cmfa_presscon:1011")
    assert [(t["kind"], t["speaker"], t["text"]) for t in turns] == [
        ("question", None, MADURO_Q),
        ("answer", "Geng Shuang", MADURO_A),
    ]
    assert turns[1]["reply_to"] == turns[0]["id"] and turns[0]["reply_to"] is None
    # The stored page is the row itself, so nothing of the file is lost.
    assert json.loads(corpus.raw_html("cmfa_presscon:1011")) == dict(zip(CMFA_HEADER, CMFA_ROWS[0]))
    page = corpus.db["pages"].get("cmfa_presscon:1011")
    assert (page["content_type"], page["encoding"]) == ("application/json", "utf-8")

    before = dump(corpus)
    again = import_file(corpus, path, "csv")
    assert counts(again) == (4, 0, 0, 4, 0)
    assert again.sources_added == []
    assert dump(corpus) == before


def test_bad_rows_are_all_reported_with_their_lines_and_nothing_is_stored(corpus, tmp_path):
    import_file(corpus, write_csv(tmp_path / "first.csv", CMFA_HEADER, CMFA_ROWS[:2]), "csv")
    before = dump(corpus)
    bad_rows = [list(row) for row in CMFA_ROWS]
    bad_rows[1][1] = "2019-13-45"  # line 3: the header is line 1
    bad_rows[3][3] = ""  # line 5
    path = write_csv(tmp_path / "presscon.csv", CMFA_HEADER, bad_rows)

    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv")

    assert str(refused.value) == (
        f"{path}: 2 problems, nothing imported\n"
        f"{path}:3: unparseable date '2019-13-45' (month must be in 1..12)\n"
        f"{path}:5: no answer"
    )
    assert [(p.line, p.reason) for p in refused.value.problems] == [
        (3, "unparseable date '2019-13-45' (month must be in 1..12)"),
        (5, "no answer"),
    ]
    assert isinstance(refused.value, CorpusError)
    assert dump(corpus) == before

    report = import_file(corpus, write_csv(path, CMFA_HEADER, CMFA_ROWS), "csv")
    assert counts(report) == (4, 2, 0, 2, 4)
    assert corpus.db["documents"].count == 4


def test_line_numbers_are_physical_lines_of_the_file(corpus, tmp_path):
    path = tmp_path / "presscon.csv"
    path.write_text(
        "id,date,question,answer\n"
        f'1011,2019-01-29,"{MADURO_Q}","My colleague has answered this question last week.\n'
        'Special Envoy of President Xi Jinping attended the inauguration ceremony of President Maduro."\n'
        f'1012,2019-01-29,"{STILL_Q}"\n'
        "\n"
        f'1014,2019-01-29,"{CHANGES_Q}",,\n'
        f'1015,2019-01-29,"{CHANGES_Q}",\n',
        encoding="utf-8",
    )
    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv")
    assert str(refused.value).splitlines()[1:] == [
        f"{path}:4: 3 fields, but the header has 4 columns",
        f"{path}:6: 5 fields, but the header has 4 columns",
        f"{path}:7: no answer",
    ]
    assert corpus.db["documents"].count == 0 and corpus.db["sources"].count == 0


def test_the_devset_jsonl_imports_every_item_as_a_question_and_its_answer(corpus):
    # The crawled page of one of the items is already stored: the imported pair must not collide.
    corpus.register_source(Source("fmprc", "China MFA", "CN", "en"))
    page_url = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1632218.shtml"
    corpus.store_document(
        Document(
            source="fmprc", url=page_url, native_id="t1632218", html=b"<html>saved page</html>",
            fetched_at=dt.datetime(2020, 7, 4, tzinfo=dt.timezone.utc), language="en",
            segments=[Segment("statement", "Good afternoon.")],
        )
    )

    report = import_file(corpus, DEVSET, "jsonl")

    assert (report.layout, report.sources_added) == ("devset", ["import_cn"])
    assert counts(report) == (181, 181, 0, 0, 362)
    assert corpus.db["sources"].get("import_cn") == {
        "name": "import_cn", "ministry": "China MFA", "country": "CN", "language": "en", "homepage": None
    }
    q = corpus.db.execute
    assert q("SELECT count(*) FROM documents WHERE source = 'import_cn'").fetchone() == (181,)
    assert q(
        "SELECT kind, count(*) FROM segments WHERE document_id LIKE 'import_cn:%' GROUP BY kind ORDER BY kind"
    ).fetchall() == [("answer", 181), ("question", 181)]
    # Every answer replies to the question of its own document.
    assert q(
        """SELECT count(*) FROM segments AS a JOIN segments AS qn ON qn.id = a.reply_to
           WHERE a.kind = 'answer' AND qn.kind = 'question' AND qn.document_id = a.document_id
             AND a.document_id LIKE 'import_cn:%'"""
    ).fetchone() == (181,)

    doc = corpus.db["documents"].get("import_cn:fmprc-20190124-04")
    assert (doc["url"], doc["date"], doc["spokesperson"]) == (
        page_url + "#fmprc-20190124-04", "2019-01-24", "Hua Chunying"
    )
    turns = corpus.segments_of("import_cn:fmprc-20190124-04")
    assert [t["kind"] for t in turns] == ["question", "answer"]
    assert turns[0]["text"].startswith("According to reports, on January 23, President of Venezuela's National")
    assert turns[1]["speaker"] == "Hua Chunying" and turns[1]["reply_to"] == turns[0]["id"]
    # The labels travel with the stored row.
    raw = json.loads(corpus.raw_html("import_cn:fmprc-20190117-05"))
    assert raw["episode"] == "venezuela-2019"
    assert [a["actor"] for a in raw["actors"]] == ["maduro", "venezuela_national_assembly", "china"]
    assert corpus.raw_html("import_cn:fmprc-20190117-05") == DEVSET.read_bytes().split(b"\n")[0]

    assert counts(import_file(corpus, DEVSET, "jsonl")) == (181, 0, 0, 181, 0)
    assert corpus.db["documents"].count == 182


def test_odd_column_names_are_mapped_to_fields(corpus, tmp_path):
    path = write_csv(
        tmp_path / "pressekonferenz.csv",
        ["nummer", "datum", "frage", "antwort", "sprecher"],
        [
            ["11", "29.01.2019", MADURO_Q, MADURO_A, "Geng Shuang"],
            ["12", "29.01.2019", STILL_Q, STILL_A, "Geng Shuang"],
        ],
    )
    mapping = {"nummer": "id", "datum": "date", "frage": "question", "antwort": "answer", "sprecher": "spokesperson"}

    report = import_file(corpus, path, "csv", mapping=mapping)

    assert (report.layout, report.sources_added) == ("generic", ["import"])
    assert counts(report) == (2, 2, 0, 0, 4)
    assert corpus.db["sources"].get("import") == {
        "name": "import", "ministry": "unknown", "country": "XX", "language": "en", "homepage": None
    }
    doc = corpus.db["documents"].get("import:12")
    assert (doc["url"], doc["date"], doc["spokesperson"]) == ("import:import/12", "2019-01-29", "Geng Shuang")
    assert [(t["kind"], t["text"]) for t in corpus.segments_of("import:12")] == [
        ("question", STILL_Q), ("answer", STILL_A)
    ]

    # The same file under a named source is another set of documents.
    named = import_file(corpus, path, "csv", mapping=mapping, source="mfa_briefings")
    assert counts(named) == (2, 2, 0, 0, 4) and named.sources_added == ["mfa_briefings"]
    assert corpus.db["documents"].get("mfa_briefings:11")["url"] == "import:mfa_briefings/11"


def test_a_mapping_to_an_unknown_field_or_column_is_refused(corpus, tmp_path):
    path = write_csv(
        tmp_path / "pressekonferenz.csv",
        ["datum", "frage", "antwort"],
        [["2019-01-29", CHANGES_Q, CHANGES_A]],
    )
    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv", mapping={"datum": "date", "frage": "frage", "antwort": "answer"})
    assert str(refused.value) == (
        f"{path}: --map frage=frage: unknown field 'frage'; the fields are "
        "id, date, question, answer, url, spokesperson, ministry, country, title, language, source"
    )

    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv", mapping={"datum": "date", "fragen": "question", "antwort": "answer"})
    assert str(refused.value) == (
        f"{path}: 1 problem, nothing imported\n"
        f"{path}:1: --map fragen=question: the header has no column 'fragen' (columns: datum, frage, antwort)"
    )

    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv", mapping={"datum": "date", "frage": "question"})
    assert str(refused.value).splitlines()[1] == (
        f"{path}:1: no column gives the answer (columns: datum, frage, antwort); name one with --map COLUMN=answer"
    )
    assert dump(corpus) == {"sources": [], "documents": [], "pages": [], "segments": []}


def test_a_malformed_json_line_is_reported_with_its_number(corpus, tmp_path):
    lines = DEVSET.read_text(encoding="utf-8").splitlines()[:3]
    lines[1] = lines[1][:115]  # cut off mid-string, as a truncated download would be
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(lines + ["", '["not", "an", "object"]']) + "\n", encoding="utf-8")

    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "jsonl")

    assert str(refused.value) == (
        f"{path}: 2 problems, nothing imported\n"
        f"{path}:2: malformed JSON at column 108: Unterminated string starting at\n"
        f"{path}:5: a JSON list, not an object"
    )
    assert corpus.db["documents"].count == 0 and corpus.db["sources"].count == 0


def test_a_row_without_a_question_is_a_statement(corpus, tmp_path):
    # A real item of tests/files/devset_intl: a press report quoting the State Department.
    statement = (
        "The conduct of the August 9 presidential elections in Belarus is deeply concerning. They were not "
        "free or fair. The U.S. strongly condemns violence against protesters and the detention of "
        "opposition supporters. We support the democratic aspirations of the people of Belarus."
    )
    item = {
        "id": "belarus-us-001", "date": "2020-08-10", "ministry": "US State Department", "country": "US",
        "spokesperson": "Mike Pompeo", "question": None, "answer": statement,
        "url": "https://fakty.com.ua/ua/svit/20200810-vybory-u-bilorusi-buly-nevilni-i-nespravedlyvi-pompeo/",
    }
    path = tmp_path / "statements.jsonl"
    path.write_text(json.dumps(item) + "\n", encoding="utf-8")

    report = import_file(corpus, path, "jsonl")

    assert (report.layout, report.sources_added, counts(report)) == ("generic", ["import_us"], (1, 1, 0, 0, 1))
    assert corpus.db["sources"].get("import_us")["ministry"] == "US State Department"
    assert [(t["kind"], t["speaker"], t["text"], t["reply_to"]) for t in corpus.segments_of("import_us:belarus-us-001")] == [
        ("statement", "Mike Pompeo", statement, None)
    ]


def test_rows_without_an_id_get_a_stable_one_from_their_content(corpus, tmp_path):
    path = write_csv(
        tmp_path / "pairs.csv",
        ["date", "question", "answer", "ministry", "country"],
        [["2019-01-29", CHANGES_Q, CHANGES_A, "China MFA", "CN"], ["2019-01-29", CHANGES_Q, CHANGES_A, "China MFA", "CN"]],
    )
    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv")
    assert str(refused.value).splitlines()[1] == (
        f"{path}:3: same document 'import_cn:a5e58fa4e2c68dfe' as line 2 "
        "(a repeated id, or the same date, question and answer)"
    )

    write_csv(path, ["date", "question", "answer", "ministry", "country"], [["2019-01-29", CHANGES_Q, CHANGES_A, "China MFA", "CN"]])
    assert counts(import_file(corpus, path, "csv")) == (1, 1, 0, 0, 2)
    assert counts(import_file(corpus, path, "csv")) == (1, 0, 0, 1, 0)
    assert corpus.db["documents"].get("import_cn:a5e58fa4e2c68dfe")["url"] == "import:import_cn/a5e58fa4e2c68dfe"


def test_a_changed_row_updates_its_document(corpus, tmp_path):
    path = write_csv(tmp_path / "presscon.csv", CMFA_HEADER, CMFA_ROWS[:1])
    import_file(corpus, path, "csv")
    old = {t["kind"]: t["id"] for t in corpus.segments_of("cmfa_presscon:1011")}
    changed = [CMFA_ROWS[0][:3] + [MADURO_A + " Thank you.", "Geng Shuang", T1633680]]

    report = import_file(corpus, write_csv(path, CMFA_HEADER, changed), "csv")

    assert counts(report) == (1, 0, 1, 0, 1)
    turns = corpus.segments_of("cmfa_presscon:1011")
    assert turns[0]["id"] == old["question"] and turns[1]["id"] != old["answer"]
    assert turns[1]["text"].endswith("if I recall it correctly. Thank you.")


def test_a_url_stored_under_another_document_is_refused(corpus, tmp_path):
    path = write_csv(tmp_path / "presscon.csv", CMFA_HEADER, CMFA_ROWS[:1])
    import_file(corpus, path, "csv")
    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv", source="presscon_again")
    assert str(refused.value).splitlines()[1] == (
        f"{path}:2: url {T1633680}#1011 is already stored as 'cmfa_presscon:1011'"
    )
    assert corpus.db["sources"].count == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2019-01-29", dt.date(2019, 1, 29)),
        ("January 29, 2019", dt.date(2019, 1, 29)),
        ("June11, 2018", dt.date(2018, 6, 11)),
        ("2019-01-29T15:00:00+08:00", dt.date(2019, 1, 29)),
    ],
)
def test_dates_are_read_in_their_common_spellings(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("2019-13-45", "unparseable date '2019-13-45' (month must be in 1..12)"),
        ("soon", "unparseable date 'soon' (Unknown string format)"),
        ("January 2019", "incomplete date 'January 2019': it needs a year, a month and a day"),
    ],
)
def test_bad_dates_are_refused_with_a_reason(text, message):
    with pytest.raises(ValueError) as refused:
        parse_date(text)
    assert str(refused.value) == message


def test_a_missing_file_or_unknown_format_is_refused_with_its_path(corpus, tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(BadImportFile, match=f"^{missing}: cannot read the file: No such file or directory$"):
        import_file(corpus, missing, "csv")
    with pytest.raises(BadImportFile, match=f"^{DEVSET}: unknown format 'xlsx'; the formats are csv, jsonl$"):
        import_file(corpus, DEVSET, "xlsx")


# Hostile and outsized input --------------------------------------------------------------


def test_a_url_that_is_not_http_is_refused_with_its_line_in_csv_and_jsonl(corpus, tmp_path):
    rows = [list(row) for row in CMFA_ROWS]
    rows[1][5] = "javascript:alert(document.domain)//"  # line 3
    rows[2][5] = "file:///etc/passwd"  # line 4
    path = write_csv(tmp_path / "presscon.csv", CMFA_HEADER, rows)
    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv")
    assert str(refused.value).splitlines()[1:] == [
        f"{path}:3: URL 'javascript:alert(document.domain)//' is not an http(s) URL",
        f"{path}:4: URL 'file:///etc/passwd' is not an http(s) URL",
    ]
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text(json.dumps({"date": "2019-01-29", "answer": MADURO_A, "url": " JavaScript:alert(1)"}) + "\n")
    with pytest.raises(BadImportFile, match=r"items\.jsonl:1: URL 'JavaScript:alert\(1\)' is not an http\(s\) URL"):
        import_file(corpus, jsonl, "jsonl")
    assert corpus.db["documents"].count == 0


def test_a_nul_character_is_refused_in_csv_and_jsonl(corpus, tmp_path):
    rows = [list(row) for row in CMFA_ROWS]
    rows[0][3] = "We support\x00 the Venezuelan government."
    path = write_csv(tmp_path / "presscon.csv", CMFA_HEADER, rows)
    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv")
    assert str(refused.value).splitlines()[1:] == [f"{path}:2: column 'answer' holds a NUL character (at character 11)"]
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text(json.dumps({"date": "2019-01-29", "answer": "ok"}) + "\n"
                     + json.dumps({"date": "2019-01-30", "question": "a\u0000b", "answer": "ok"}) + "\n")
    with pytest.raises(BadImportFile, match=r"items\.jsonl:2: column 'question' holds a NUL character \(at character 2\)"):
        import_file(corpus, jsonl, "jsonl")
    assert corpus.db["documents"].count == 0


def test_fields_up_to_the_documented_maximum_import_alike_from_csv_and_jsonl(corpus, tmp_path):
    from corpus.limits import MAX_FIELD_CHARS

    long_answer = ("We support the Venezuelan government. " * 6000).strip()  # 227,999 characters
    assert len(long_answer) > 131_072  # the csv module's own limit, which used to stop the import
    rows = [list(CMFA_ROWS[0]), list(CMFA_ROWS[1])]
    rows[0][3] = long_answer
    csv_path = write_csv(tmp_path / "long.csv", CMFA_HEADER, rows)
    jsonl_path = tmp_path / "long.jsonl"
    jsonl_path.write_text(json.dumps({"id": "j1", "date": "2019-01-29", "answer": long_answer}) + "\n")
    assert import_file(corpus, csv_path, "csv").documents_added == 2
    assert import_file(corpus, jsonl_path, "jsonl").documents_added == 1
    for document in ("cmfa_presscon:1011", "import:j1"):
        parts = [t["text"] for t in corpus.segments_of(document) if t["kind"] in ("answer", "statement")]
        assert "".join(" ".join(parts).split()) == "".join(long_answer.split())

    over = "x" * (MAX_FIELD_CHARS + 1)
    rows[1][3] = over  # line 3
    write_csv(csv_path, CMFA_HEADER, rows)
    jsonl_path.write_text(json.dumps({"date": "2019-01-29", "answer": over}) + "\n")
    reason = f"column 'answer' holds {MAX_FIELD_CHARS + 1:,} characters, over the maximum of {MAX_FIELD_CHARS:,}"
    for path, fmt, line in ((csv_path, "csv", 3), (jsonl_path, "jsonl", 1)):
        with pytest.raises(BadImportFile) as refused:
            import_file(corpus, path, fmt)
        assert str(refused.value).splitlines()[1:] == [f"{path}:{line}: {reason}"]


def test_an_unterminated_quote_is_reported_on_the_line_that_opens_it(corpus, tmp_path):
    path = tmp_path / "presscon.csv"
    path.write_text(
        "id,date,question,answer\n"
        f'1011,2019-01-29,"{MADURO_Q}","{MADURO_A}"\n'
        f'1012,2019-01-29,"{STILL_Q}","{STILL_A}\n'  # line 3: the answer's quote is never closed
        f'1014,2019-01-29,"{CHANGES_Q}","{CHANGES_A}"\n'
        f'1105,2019-02-01,"{PARTIES_Q}","{PARTIES_A}"\n',
        encoding="utf-8",
    )
    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv")
    [problem] = refused.value.problems
    assert problem.line == 3
    assert problem.reason.startswith("malformed CSV: the quoted field opened on this line is not closed where it should be (at line 4:")
    path.write_text(f'id,date,question,answer\n1011,2019-01-29,"{MADURO_Q}","{MADURO_A}\n', encoding="utf-8")
    with pytest.raises(BadImportFile) as refused:
        import_file(corpus, path, "csv")
    assert [p.line for p in refused.value.problems] == [2]
    assert corpus.db["documents"].count == 0


def test_a_five_megabyte_answer_is_stored_whole_as_parts_of_bounded_size(corpus, tmp_path):
    from corpus.limits import MAX_TURN_CHARS

    paragraph = "Guaido and the opposition met the Venezuelan government again, and China supports dialogue. " * 10
    answer = "\n\n".join([paragraph.strip()] * 5600)  # 5.2 million characters
    assert len(answer) > 5_000_000
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps({"id": "huge", "date": "2019-02-01", "question": PARTIES_Q, "answer": answer}) + "\n")
    report = import_file(corpus, path, "jsonl")
    turns = corpus.segments_of("cmfa_presscon:huge")
    question, parts = turns[0], turns[1:]
    assert report.segments_added == len(turns) > 500
    assert all(t["kind"] == "answer" and t["reply_to"] == question["id"] for t in parts)
    assert max(len(t["text"]) for t in parts) <= MAX_TURN_CHARS
    assert "".join("".join(t["text"] for t in parts).split()) == "".join(answer.split())
    assert corpus.db["documents"].get("cmfa_presscon:huge")["segment_count"] == len(turns)
    assert json.loads(corpus.raw_html("cmfa_presscon:huge"))["answer"] == answer
    assert counts(import_file(corpus, path, "jsonl")) == (1, 0, 0, 1, 0)
