"""The Chinese originals beside the English: a corpus of two days crawled in both languages and analysed."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from communique import pages
from communique.publish import datasette_app
from tests.conftest import run_communique

pytestmark = pytest.mark.slow


def segment_at(db, document_id: str, position: int) -> str:
    return sqlite3.connect(db).execute(
        "SELECT id FROM segments WHERE document_id = ? AND position = ?", [document_id, position]).fetchone()[0]


@pytest.fixture(scope="module")
def venezuela(bilingual_db):
    """(Chinese answer, English answer) of 24 January 2019 on Guaidó's swearing-in."""
    return segment_at(bilingual_db, "fmprc_zh:t1632124", 7), segment_at(bilingual_db, "fmprc:t1632218", 7)


def test_the_chinese_answer_is_aligned_with_the_english_turn_that_says_the_same(bilingual_db, venezuela):
    zh, en = venezuela
    db = sqlite3.connect(bilingual_db)
    assert db.execute("SELECT en_document_id FROM twins WHERE zh_document_id = 'fmprc_zh:t1632124'").fetchone() == (
        "fmprc:t1632218",)
    method, anchors = db.execute(
        "SELECT method, anchors FROM translations WHERE zh_segment_id = ? AND en_segment_id = ?", [zh, en]).fetchone()
    assert method == "position" and {"china", "venezuela"} <= set(json.loads(anchors))
    # the questions are aligned too
    assert db.execute("SELECT count(*) FROM translations WHERE zh_segment_id = ? AND en_segment_id = ?",
                      [segment_at(bilingual_db, "fmprc_zh:t1632124", 6), segment_at(bilingual_db, "fmprc:t1632218", 6)]
                      ).fetchone() == (1,)


def test_the_chinese_answer_reads_maduro_and_guaido_avoided(bilingual_db, venezuela):
    zh, _ = venezuela
    db = sqlite3.connect(bilingual_db)
    avoided = dict(db.execute("SELECT actor_id, in_answer FROM avoidance WHERE answer_id = ? AND avoided = 1", [zh]))
    assert avoided["maduro"] == "role" and avoided["guaido"] == "oblique"
    text = db.execute("SELECT text FROM segments WHERE id = ?", [zh]).fetchone()[0]
    forms = {(actor, form, start, end) for actor, form, start, end in db.execute(
        "SELECT actor_id, form, start, end FROM reference_forms WHERE segment_id = ?", [zh])}
    start = text.index("委内瑞拉政府")
    assert ("maduro", "委内瑞拉政府", start, start + 6) in forms
    assert ("guaido", "各方", text.index("各方"), text.index("各方") + 2) in forms
    assert all(text[s:e] == form for _, form, s, e in forms)


def test_a_chinese_answer_takes_the_stance_of_its_english_twin(bilingual_db, venezuela):
    zh, en = venezuela
    db = sqlite3.connect(bilingual_db)
    english = dict(db.execute("SELECT actor_id, label FROM stances WHERE answer_id = ?", [en]))
    chinese = {actor: (label, method) for actor, label, method in db.execute(
        "SELECT actor_id, label, method FROM stances WHERE answer_id = ?", [zh])}
    assert chinese["venezuela_government"][0] == english["venezuela_government"] == "support"
    assert chinese["maduro"][0] == english["maduro"]
    assert all(method.startswith(f"from the English twin {en}") for _, method in chinese.values())
    # nothing Chinese was embedded: the model reads English
    assert db.execute("""SELECT count(*) FROM embeddings e JOIN segments s ON s.text_sha256 = e.text_sha256
                         JOIN documents d ON d.id = s.document_id WHERE d.language = 'zh'""").fetchone() == (0,)

def test_a_chinese_statement_takes_its_twins_stance_and_no_question_has_one(bilingual_db):
    # 24 March 2020 opens with the NHC's figures, "... 456 patients cured and discharged from
    # hospital in China's mainland": a statement, whose Chinese original is judged through it
    db = sqlite3.connect(bilingual_db)
    pairs = db.execute("""SELECT t.zh_segment_id, t.en_segment_id FROM translations t
                          JOIN segments s ON s.id = t.en_segment_id
                          WHERE t.kind = 'statement' AND t.zh_segment_id IS NOT NULL
                            AND s.text LIKE '%patients cured and discharged%'""").fetchall()
    assert len(pairs) == 1
    zh, en = pairs[0]
    english = dict(db.execute("SELECT actor_id, label FROM stances WHERE answer_id = ?", [en]))
    chinese = {actor: (label, method) for actor, label, method in db.execute(
        "SELECT actor_id, label, method FROM stances WHERE answer_id = ?", [zh])}
    assert "china" in chinese and chinese["china"][0] == english["china"]
    assert chinese["china"][1].startswith(f"from the English twin {en}")
    assert db.execute("""SELECT count(*) FROM stances st JOIN segments s ON s.id = st.answer_id
                         WHERE s.kind = 'question'""").fetchone() == (0,)



def test_searching_venezuela_in_chinese_finds_chinese_turns_highlighted(bilingual_db):
    conn = sqlite3.connect(bilingual_db)
    total, hits = pages.search_hits(conn, "委内瑞拉")
    assert total >= 4 and {hit["language"] for hit in hits} == {"zh"}
    assert all("<mark>委内瑞拉</mark>" in str(hit["snippet"]) for hit in hits)
    # two characters have no trigram: the Chinese turns are scanned, the snippet still marked
    total, hits = pages.search_hits(conn, "各方")
    assert total >= 1 and all("<mark>各方</mark>" in str(hit["snippet"]) for hit in hits)
    assert pages.search_facets(conn, "Venezuela") == {"en": pages.search_hits(conn, "Venezuela")[0]}


@pytest.fixture(scope="module")
def datasette(bilingual_db):
    return datasette_app(bilingual_db)


@pytest.mark.asyncio
async def test_the_search_page_offers_chinese_hits_and_a_language_facet(datasette):
    html = (await datasette.client.get("/-/search?q=委内瑞拉")).text
    assert "<mark>委内瑞拉</mark>" in html and 'id="language-facets"' in html and "Chinese (中文)" in html
    assert (await datasette.client.get("/-/search?q=委内瑞拉&language=en")).text.count('class="hit"') == 0


@pytest.mark.asyncio
async def test_the_answer_page_shows_the_chinese_original_beside_the_english(datasette, venezuela):
    zh, en = venezuela
    html = (await datasette.client.get(f"/-/answer/{en}")).text
    bilingual = html[html.index('id="bilingual"'):]
    assert "The Chinese original (中文原文)" in html
    assert '<mark class="ref ref-role" title="maduro: by role">委内瑞拉政府</mark>' in bilingual
    assert '<mark class="ref ref-role" title="maduro: by role">the Venezuelan government</mark>' in bilingual
    assert 'title="guaido: oblique">各方</mark>' in bilingual
    assert f'href="/-/answer/{zh}"' in bilingual
    # and from the Chinese answer's own page, the English translation
    html = (await datasette.client.get(f"/-/answer/{zh}")).text
    assert "The English translation" in html and f'href="/-/answer/{en}"' in html


@pytest.mark.asyncio
async def test_the_divergence_query_sets_both_forms_side_by_side(datasette, bilingual_db):
    html = (await datasette.client.get(
        f"/{bilingual_db.stem}/naming_divergence?actor=&since=2019-01-01&until=2020-12-31")).text
    assert "en_forms" in html and "zh_forms" in html
    rows = pages.queries.naming_divergences(sqlite3.connect(bilingual_db), since="2019-01-01", until="2020-12-31")
    assert rows, "two days of twins hold some naming that differs"
    for row in rows:
        assert (row["en_class"] == "named") != (row["zh_class"] == "named")
        assert row["en_forms"] or row["zh_forms"]


def test_exports_by_language(bilingual_db, tmp_path):
    trends = tmp_path / "trends.csv"
    run_communique("export", "trends", "--actor", "maduro", "--format", "csv", "--output", str(trends), db=bilingual_db)
    with trends.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["period"] == "2019-01"]
    assert {(row["source"], row["language"]) for row in rows} == {("fmprc", "en"), ("fmprc_zh", "zh")}
    zh_only = tmp_path / "zh.csv"
    run_communique("export", "trends", "--actor", "maduro", "--language", "zh", "--format", "csv",
                   "--output", str(zh_only), db=bilingual_db)
    with zh_only.open(newline="") as handle:
        assert {row["language"] for row in csv.DictReader(handle)} == {"zh"}
    quotes = tmp_path / "quotes.jsonl"
    run_communique("export", "quotes", "--query", "委内瑞拉", "--language", "zh", "--format", "jsonl",
                   "--output", str(quotes), db=bilingual_db)
    records = [json.loads(line) for line in quotes.read_text(encoding="utf-8").splitlines()]
    assert records and {r["language"] for r in records} == {"zh"}
    assert any(r["actor"] == "guaido" and r["avoided"] for r in records)
    english = tmp_path / "en.jsonl"
    run_communique("export", "quotes", "--actor", "guaido", "--language", "en", "--format", "jsonl",
                   "--output", str(english), db=bilingual_db)
    assert {json.loads(line)["language"] for line in english.read_text().splitlines()} == {"en"}
    divergences = tmp_path / "divergences.csv"
    result = run_communique("export", "divergences", "--since", "2019-01-01", "--until", "2019-12-31",
                            "--output", str(divergences), db=bilingual_db)
    assert "naming divergences in" in result.stdout
    with divergences.open(newline="") as handle:
        assert {row["date"] for row in csv.DictReader(handle)} == {"2019-01-24"}


def test_the_chinese_crawl_keeps_to_since_and_until(bilingual_db):
    from crawlers.spiders.fmprc_zh import parse_list_page
    from tests.conftest import BILINGUAL_DAYS, FMPRC_ZH_PAGES, fmprc_zh_page

    days = {since for since, _ in BILINGUAL_DAYS}
    listed = {article.url for page in sorted(FMPRC_ZH_PAGES.glob("default*.shtml"))
              for article in parse_list_page(*fmprc_zh_page(page.name)).articles
              if article.date.isoformat() in days}
    stored = {url for (url,) in sqlite3.connect(bilingual_db).execute(
        "SELECT url FROM documents WHERE source = 'fmprc_zh'")}
    assert stored == listed and len(stored) >= 2
