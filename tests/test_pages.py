"""The scholar's pages: answer page, highlighted search, semantic search, trends, canned queries."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest

from communique.pages import fts_query, highlight_forms, snippet_markup
from communique.publish import datasette_app
from corpus import Corpus, Document, Segment, Source

pytestmark = pytest.mark.slow


def test_highlight_escapes_the_text_and_marks_each_form():
    text = 'We support <b>the Venezuelan government</b> & "all parties".'
    forms = [
        {"start": 14, "end": 39, "class": "role", "actor": "maduro", "title": None},
        {"start": 14, "end": 17, "class": "named", "actor": "x", "title": None},  # overlaps: dropped
        {"start": text.index("all parties"), "end": text.index("all parties") + 11, "class": "oblique",
         "actor": "guaido", "title": None},
    ]
    html = str(highlight_forms(text, forms))
    assert html == (
        '<p>We support &lt;b&gt;<mark class="ref ref-role" title="maduro: by role">the Venezuelan government</mark>'
        '&lt;/b&gt; &amp; &#34;<mark class="ref ref-oblique" title="guaido: oblique">all parties</mark>&#34;.</p>'
    )


def test_snippets_mark_matches_and_escape_the_rest():
    assert str(snippet_markup("a <i>\x02Guaido\x03</i> b")) == "a &lt;i&gt;<mark>Guaido</mark>&lt;/i&gt; b"


@pytest.mark.parametrize(
    ("text", "query"),
    [("Guaido", '"Guaido"'), ('"foreign interference" Venezuela', '"foreign interference" "Venezuela"'),
     ("NEAR(a b) OR c*", '"NEAR" "a" "b" "OR" "c"')],
)
def test_user_words_never_become_fts_operators(text, query):
    assert fts_query(text) == query


@pytest.fixture(scope="module")
def datasette(analyzed_db):
    return datasette_app(analyzed_db)


def founding_answer_id(db) -> str:
    return sqlite3.connect(db).execute(
        "SELECT id FROM segments WHERE document_id = 'fmprc:t1632218' AND position = 7").fetchone()[0]


@pytest.mark.asyncio
async def test_answer_page_reads_like_a_transcript(datasette, analyzed_db):
    response = await datasette.client.get(f"/-/answer/{founding_answer_id(analyzed_db)}")
    assert response.status_code == 200
    html = response.text
    assert "Juan Guaido</mark> was sworn in as the country" in html  # the question, its names marked
    assert '<mark class="ref ref-role" title="maduro: by role">the Venezuelan government</mark>' in html
    assert "official transcript" in html and "t1632218.shtml" in html
    table = html[html.index('id="naming-table"'):]
    for actor in ("Juan Guaidó", "Nicolás Maduro"):
        row = table[table.index(actor):].split("</tr>")[0]
        assert "avoided" in row
    assert 'class="stance-support">support' in table
    assert "<q>China supports the efforts made by the Venezuelan government" in table
    assert 'rel="prev"' in html and 'rel="next"' in html


@pytest.mark.asyncio
async def test_unknown_turn_is_a_404(datasette):
    assert (await datasette.client.get("/-/answer/ffffffffffffffff")).status_code == 404


@pytest.mark.asyncio
async def test_search_highlights_the_matched_words(datasette):
    html = (await datasette.client.get("/-/search?q=Guaido")).text
    assert "<mark>Guaido</mark>" in html
    assert re.search(r'id="result-count">\d+ turns? match', html)
    assert "/-/answer/" in html


@pytest.mark.asyncio
async def test_semantic_search_ranks_answers_by_similarity(datasette):
    html = (await datasette.client.get("/-/semantic?q=we+oppose+external+interference")).text
    scores = [float(s) for s in re.findall(r'class="score">([0-9.]+)<', html)]
    assert len(scores) >= 5 and scores == sorted(scores, reverse=True)
    assert "all-MiniLM-L6-v2" in html


@pytest.mark.asyncio
async def test_semantic_search_sees_new_answers_without_a_rebuild(tmp_path):
    db = tmp_path / "grow.db"
    with Corpus(db) as corpus:
        corpus.register_source(Source("fmprc", "China MFA", "CN", "en"))

        def add(native_id, answer):
            corpus.store_document(Document(
                source="fmprc", url=f"https://example.org/{native_id}", native_id=native_id, html=b"",
                fetched_at=dt.datetime.now(dt.timezone.utc), language="en", date=dt.date(2020, 1, 1),
                segments=[Segment("question", "What is your comment?", label="Q"),
                          Segment("answer", answer, label="A", reply_to=0)]))

        add("t1", "The weather in Beijing is fine today.")
    from analysis.pipeline import analyze_corpus
    from analysis.registry import load_registry

    with Corpus(db) as corpus:
        analyze_corpus(corpus, load_registry(), progress=False)
    ds = datasette_app(db)
    first = (await ds.client.get("/-/semantic?q=sanctions+and+interference")).text
    assert first.count('class="score"') == 1
    with Corpus(db) as corpus:
        add("t2", "We firmly oppose unilateral sanctions and interference in other countries' internal affairs.")
        analyze_corpus(corpus, load_registry(), progress=False)
    second = (await ds.client.get("/-/semantic?q=sanctions+and+interference")).text
    assert second.count('class="score"') == 2
    assert second.index("unilateral sanctions") < second.index("weather in Beijing")


@pytest.mark.asyncio
async def test_trends_page_draws_a_vega_lite_chart(datasette):
    html = (await datasette.client.get("/-/trends?actor=maduro&by=month")).text
    assert "vegaEmbed(" in html and "/static/vendor/vega-lite.min.js" in html
    assert '"named_rate"' in html and '"ministry": "fmprc"' in html
    static = await datasette.client.get("/static/vendor/vega-lite.min.js")
    assert static.status_code == 200


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/{db}/avoided.json?actor=guaido&_shape=array", '"answer_id"'),
        ("/{db}/naming_forms.json?actor=maduro&_shape=array", '"the Venezuelan government"'),
        ("/{db}/naming_trend.json?actor=maduro&_shape=array", '"naming_rate"'),
        ("/{db}/quotes.json?actor=maduro&since=2019-01-01&until=2019-01-31&_shape=array", '"url"'),
        ("/{db}/answer_actors?actor=guaido", "Answers by actor"),
        ("/{db}/answer_actors.json?_search=Venezuela&_facet=stance&_facet=in_answer", '"facet_results"'),
        ("/", "Search the turns"),
    ],
)
async def test_pages_and_canned_queries(datasette, analyzed_db, path, fragment):
    response = await datasette.client.get(path.format(db=analyzed_db.stem))
    assert response.status_code == 200, path
    assert fragment in response.text, path


@pytest.mark.asyncio
async def test_markup_in_a_transcript_never_runs(tmp_path):
    db = tmp_path / "xss.db"
    with Corpus(db) as corpus:
        corpus.register_source(Source("fmprc", "China MFA", "CN", "en"))
        doc = corpus.store_document(Document(
            source="fmprc", url="https://example.org/x", native_id="x", html=b"", language="en",
            fetched_at=dt.datetime.now(dt.timezone.utc), date=dt.date(2020, 1, 1),
            segments=[Segment("question", "<script>alert('q')</script> Maduro?", label="Q"),
                      Segment("answer", "<img src=x onerror=alert(1)> We support Venezuela.", label="A", reply_to=0)]))
        answer_id = corpus.segments_of(doc)[1]["id"]
    ds = datasette_app(db)
    html = (await ds.client.get(f"/-/answer/{answer_id}")).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;" in html
    search = (await ds.client.get("/-/search?q=alert")).text
    assert "<script>alert" not in search and "<img src=x" not in search
