"""One column per ministry: the compare page, the event page and `export compare`, checked against the texts."""

from __future__ import annotations

import csv
import json
import re
import sqlite3

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analysis.compare import Legitimacy, differences, ministry_column, phrase_span, quote_of
from communique.cli import main
from communique.pages import comparison
from communique.publish import datasette_app
from corpus.labelled_text import KEPT, text_rows
from tests.conftest import TESTS

GUAIDO = {"actor": "guaido", "since": "2019-01-20", "until": "2019-03-31"}
BELARUS = {"actor": "belarus", "since": "2020-08-07", "until": "2020-08-13"}
STATE_BRIEFING = TESTS / "files" / "state" / "2017-2021.state.gov" / "department-press-briefing-march-5-2019" / "index.html"


def devset_question(fragment: str) -> str:
    """A journalist's question of the China devset that contains `fragment` (real words with titles in them)."""
    for line in (TESTS / "files" / "devset" / "items.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["question"] and fragment in item["question"]:
            return item["question"]
    raise AssertionError(f"no question with {fragment!r}")


# -- pure functions on real sentences ---------------------------------------------------


def test_a_form_is_quoted_with_the_title_that_stands_beside_it():
    text = devset_question('self-proclaimed "interim president" Juan Guaido')
    start = text.index("Juan Guaido")
    span = phrase_span(text, start, start + len("Juan Guaido"), "self-proclaimed interim president")
    assert text[slice(*span)] == 'self-proclaimed "interim president" Juan Guaido'
    text = devset_question("Nicholas Maduro's regime")
    start = text.index("Nicholas Maduro")
    assert text[slice(*phrase_span(text, start, start + len("Nicholas Maduro"), "regime"))] == "Nicholas Maduro's regime"
    assert phrase_span(text, start, start + 15, None) == (start, start + 15)


@pytest.mark.parametrize(("title", "legitimacy"), [
    ("interim President", "confers"), ("President", "confers"), ("legitimate", "confers"),
    ("self-proclaimed interim president", "denies"), ("so-called interim President", "denies"),
    ("illegitimate ... regime", "denies"), ("regime", "denies"), ("Mr.", None), ("opposition leader", None),
    (None, None),
])
def test_titles_confer_or_deny_legitimacy(title, legitimacy):
    assert Legitimacy.load().of(title) == legitimacy


def record(segment_id, ministry, text, in_answer, date="2019-03-05", in_question="absent", stance=0.0):
    return {"segment_id": segment_id, "kind": "answer", "text": text, "date": date, "ministry": ministry,
            "source": ministry.lower(), "spokesperson": None, "url": f"https://{ministry.lower()}.example/{segment_id}",
            "in_question": in_question, "in_answer": in_answer, "avoided": in_question == "named" and in_answer != "named",
            "stance": "neutral", "stance_score": stance, "evidence": []}


def form(text, words, cls="named", title=None):
    start = text.index(words)
    return {"start": start, "end": start + len(words), "form": words, "class": cls, "title": title, "actor": "guaido"}


def test_columns_set_a_title_that_confers_legitimacy_against_one_that_denies_it():
    page = STATE_BRIEFING.read_text(encoding="utf-8")
    said = re.search(r"The United States welcomes the safe return of Interim President Juan Guaido[^.]*\.", page).group(0)
    asked = devset_question('self-proclaimed "interim president" Juan Guaido')
    unnamed = "We have been closely following the current situation in Venezuela."
    records = [record("us1", "US", said, "named", stance=0.8), record("x1", "XX", asked, "named", stance=-0.6),
               record("cn1", "CN", unnamed, "absent", in_question="named", stance=-0.1)]
    forms = {"us1": [form(said, "Juan Guaido", title="Interim President")],
             "x1": [form(asked, "Juan Guaido", title="self-proclaimed interim president")], "cn1": []}
    legitimacy = Legitimacy.load()
    columns = [ministry_column(r["ministry"], {"name": r["ministry"]}, [r], forms, legitimacy) for r in records]
    us, other, cn = columns
    assert us["forms"][0]["text"] == "Interim President Juan Guaido" and us["legitimacy"] == "confers"
    assert other["forms"][0]["text"] == 'self-proclaimed "interim president" Juan Guaido'
    assert other["legitimacy"] == "denies"
    assert (cn["absent"], cn["avoided"], cn["legitimacy"]) == (1, 1, "unnamed")
    assert us["quotes"][0]["quote"] == said.strip()
    found = differences(columns, "Juan Guaidó")
    assert [d["kind"] for d in found] == ["confers", "denies", "unnamed"]  # one answer each: no stance interval
    assert found[0]["text"] == "US gives Juan Guaidó titles that confer legitimacy: “Interim President”."
    assert "CN never names Juan Guaidó in 1 turn, 1 of them answers to a question that named Juan Guaidó." in found[2]["text"]


def test_a_quote_is_the_sentence_of_the_first_form():
    text = devset_question("Nicholas Maduro's regime")
    quote = quote_of({"text": text, "evidence": []}, [form(text, "Nicholas Maduro")])
    assert quote["quote"].endswith("Nicholas Maduro's regime.")
    start = quote["quote_forms"][0]["start"]
    assert quote["quote"][start : quote["quote_forms"][0]["end"]] == "Nicholas Maduro"


def test_labelled_items_give_their_words_and_no_label():
    rows, left_out = text_rows(sorted((TESTS / "files").glob("devset*/items.jsonl")))
    assert left_out == {"undated": 13}
    assert rows and all(set(row) <= {*KEPT, "source"} and row["date"] and row["answer"] for row in rows)
    sources = {row["source"] for row in rows if row["country"] == "RU"}
    assert sources == {"import_russia_mfa", "import_russia_mfa_embassy_in_london"}
    urls = {row["url"] for row in rows if row["country"] == "CN"}
    rows, left_out = text_rows(sorted((TESTS / "files").glob("devset*/items.jsonl")), urls)
    assert left_out["already crawled"] == 248 and all(row["country"] != "CN" for row in rows)


# -- on the analysed fixture corpus ----------------------------------------------------

slow = pytest.mark.slow


def ministry_turns(db, key: str, since: str, until: str) -> list[str]:
    """The texts of one ministry's own turns (answers and statements) over the days, read straight from the corpus."""
    return [row[0] for row in sqlite3.connect(db).execute(
        """SELECT s.text FROM segments s JOIN documents d ON d.id = s.document_id JOIN sources src ON src.name = d.source
           WHERE s.kind IN ('answer', 'statement') AND src.country = ? AND d.date BETWEEN ? AND ?""",
        [key, since, until])]


def folded(text: str) -> str:
    return " ".join(text.split())


@slow
@pytest.mark.parametrize("window", [GUAIDO, BELARUS], ids=["guaido", "belarus"])
def test_every_form_and_title_shown_is_in_the_ministry_s_own_turns(compared_db, window):
    conn = sqlite3.connect(compared_db)
    data = comparison(conn, window["actor"], window["since"], window["until"])
    assert len(data["columns"]) >= 2
    for column in data["columns"]:
        texts = [folded(t) for t in ministry_turns(compared_db, column["key"], window["since"], window["until"])]
        assert column["turns"] <= len(texts)
        for entry in column["forms"]:
            uses = sum(text.count(entry["text"]) for text in texts)
            assert uses >= entry["count"], (column["key"], entry)
        for title in column["titles"]:
            assert any(re.search(re.escape(title["text"]).replace(r"\ ", r"\W+"), t, re.I) for t in texts)
        for quote in column["quotes"]:
            assert any(folded(quote["quote"].rstrip("…")) in t for t in texts)


@slow
def test_guaido_china_leaves_him_unnamed_where_it_was_asked(compared_db):
    conn = sqlite3.connect(compared_db)
    china = next(c for c in comparison(conn, **GUAIDO)["columns"] if c["key"] == "CN")
    asked = conn.execute(
        """SELECT count(*), sum(av.avoided) FROM avoidance av JOIN segments s ON s.id = av.answer_id
           JOIN documents d ON d.id = s.document_id WHERE av.actor_id = 'guaido' AND d.source = 'fmprc'
           AND av.in_question = 'named' AND d.date BETWEEN '2019-01-20' AND '2019-03-31'""").fetchone()
    assert (china["question_named"], china["avoided"]) == asked and china["avoided"] >= 5
    assert any(f["text"] == "all relevant parties" and f["class"] == "oblique" for f in china["forms"])
    assert china["quotes"][0]["url"].startswith("https://www.fmprc.gov.cn/")


@slow
@pytest.mark.asyncio
async def test_compare_page_shows_each_ministry_s_column(compared_db):
    datasette = datasette_app(compared_db)
    response = await datasette.client.get("/-/compare?actor=belarus&since=2020-08-07&until=2020-08-13")
    assert response.status_code == 200
    html = response.text
    header = html[html.index('id="compare-summary"'):html.index("</thead>", html.index('id="compare-summary"'))]
    for ministry in ("EU High Representative (EEAS)", "US State Department", "Russia MFA"):
        assert ministry in header
    assert 'class="official"' in html and "europediplomatic.com" in html
    assert 'id="ministry-EU"' in html and 'id="ministry-RU"' in html
    event = sqlite3.connect(compared_db).execute(
        "SELECT id FROM events WHERE first_date >= '2020-08-07' AND last_date <= '2020-08-13'").fetchone()[0]
    assert f'href="/-/event/{event}?actor=belarus"' in html
    page = await datasette.client.get(f"/-/event/{event}")
    assert page.status_code == 200 and 'id="event-turns"' in page.text and 'id="compare-summary"' in page.text
    assert '<h1 id="event-label">Belarus' in page.text and "2020-08-07 – 2020-08-13 · 4 turns of 3 ministries" in page.text
    listing = await datasette.client.get("/-/events?actor=belarus")
    assert f'href="/-/event/{event}"' in listing.text
    missing = await datasette.client.get("/-/compare?actor=guaidoo&since=2019-01-20")
    assert "There is no actor &#39;guaidoo&#39; in this corpus: did you mean guaido" in missing.text
    bad = await datasette.client.get("/-/compare?actor=guaido&since=January")
    assert "is not a date" in bad.text
    assert (await datasette.client.get("/-/event/2019-01-01-ffffff")).status_code == 404


@slow
def test_export_compare_in_three_formats_with_provenance(compared_db, tmp_path):
    written = {}
    for fmt in ("csv", "json", "parquet"):
        output = tmp_path / f"guaido.{fmt}"
        result = CliRunner().invoke(main, ["--db", str(compared_db), "export", "compare", "--actor", "guaido",
                                           "--since", GUAIDO["since"], "--until", GUAIDO["until"],
                                           "--format", fmt, "--output", str(output)])
        assert result.exit_code == 0, result.output
        written[fmt] = output
    with written["csv"].open(newline="", encoding="utf-8") as handle:
        from_csv = list(csv.DictReader(handle))
    sidecar = json.loads((tmp_path / "guaido.csv.provenance.json").read_text(encoding="utf-8"))
    document = json.loads(written["json"].read_text(encoding="utf-8"))
    table = pq.read_table(written["parquet"])
    from_parquet = table.to_pylist()
    embedded = json.loads(table.schema.metadata[b"communique"])
    for meta in (sidecar, document["provenance"], embedded):
        assert meta["command"].startswith("communique --db") and "export compare --actor guaido" in meta["command"]
        assert meta["parameters"] == {"actor": "guaido", "since": "2019-01-20", "until": "2019-03-31", "event": None}
        assert meta["analysis_versions"] and meta["embedding_models"] == ["all-MiniLM-L6-v2"]
        assert meta["columns"]["titles_denying"].startswith("titles that deny")
    expected = comparison(sqlite3.connect(compared_db), **GUAIDO)["columns"]
    from_json = document["rows"]
    assert [r["ministry_key"] for r in from_json] == [r["ministry_key"] for r in from_csv] \
        == [r["ministry_key"] for r in from_parquet] == [c["key"] for c in expected]
    for column, j, c, p in zip(expected, from_json, from_csv, from_parquet):
        for key in ("turns", "named", "role", "oblique", "absent", "avoided", "question_named", "stance_n"):
            assert j[key] == int(c[key]) == p[key] == column[key], key
        if column["stance_mean"] is not None:
            assert j["stance_mean"] == pytest.approx(float(c["stance_mean"])) == pytest.approx(p["stance_mean"])
        assert j["forms"] == p["forms"] == [f"{f['text']} (×{f['count']})" for f in column["forms"]]
        assert c["forms"] == " | ".join(j["forms"])
        assert len(j["quotes"]) == column["turns"] and all("https://" in q for q in j["quotes"])


@slow
def test_export_compare_fails_in_one_line_when_there_is_nothing(compared_db, tmp_path):
    result = CliRunner().invoke(main, ["--db", str(compared_db), "export", "compare", "--actor", "guaido",
                                       "--since", "2020-08-07", "--until", "2020-08-13", "--format", "csv",
                                       "--output", str(tmp_path / "x.csv")])
    assert result.exit_code != 0
    assert "no ministry's turn of" in result.output and "refers to guaido: nothing to export" in result.output
    assert not (tmp_path / "x.csv").exists()
    result = CliRunner().invoke(main, ["--db", str(compared_db), "export", "compare", "--event", "2019-01-01-ffffff",
                                       "--format", "csv", "--output", str(tmp_path / "y.csv")])
    assert result.exit_code != 0 and "unknown event '2019-01-01-ffffff'" in result.output


@slow
@pytest.mark.asyncio
async def test_compare_and_event_pages_link_only_to_the_web_and_cap_their_parameters(hostile_db):
    from tests.conftest import FOUNDING_BRIEFING, HOSTILE_URL

    datasette = datasette_app(hostile_db)
    html = (await datasette.client.get("/-/compare?actor=guaido&since=2019-01-20&until=2019-03-31")).text
    hostile_turns = sqlite3.connect(hostile_db).execute(
        "SELECT count(*) FROM segments WHERE document_id = ? AND kind = 'answer'", [FOUNDING_BRIEFING]).fetchone()[0]
    assert hostile_turns and 'id="ministry-CN"' in html
    assert HOSTILE_URL not in html and 'class="not-a-link"' in html  # the stored script stays text
    assert 'href="https://www.fmprc.gov.cn/' in html  # the other briefings keep their links
    response = await datasette.client.get("/-/compare?actor=" + "guaido+" * 60)
    assert response.status_code == 400 and "the limit is 50" in response.text
