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


async def semantic_page(ds, q: str) -> str:
    """The semantic page once the model and vectors loaded in the background (the server starts that)."""
    import asyncio
    import time

    deadline = time.monotonic() + 300
    while True:
        html = (await ds.client.get(f"/-/semantic?q={q}")).text
        if 'id="semantic-loading"' not in html:
            return html
        assert "reloads itself" in html and "s so far" in html
        assert time.monotonic() < deadline, "the semantic model did not load"
        await asyncio.sleep(0.5)


@pytest.mark.asyncio
async def test_semantic_search_ranks_answers_by_similarity(datasette):
    html = await semantic_page(datasette, "we+oppose+external+interference")
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
    first = await semantic_page(ds, "sanctions+and+interference")
    assert first.count('class="score"') == 1
    with Corpus(db) as corpus:
        add("t2", "We firmly oppose unilateral sanctions and interference in other countries' internal affairs.")
        analyze_corpus(corpus, load_registry(), progress=False)
    second = await semantic_page(ds, "sanctions+and+interference")
    assert second.count('class="score"') == 2
    assert second.index("unilateral sanctions") < second.index("weather in Beijing")


@pytest.mark.asyncio
async def test_trends_page_draws_a_vega_lite_chart(datasette):
    html = (await datasette.client.get("/-/trends?actor=maduro&by=month")).text
    assert '<script src="/static/trends.js"' in html and "/static/vendor/vega-lite.min.js" in html
    spec = html[html.index('id="trend-spec">'):]
    assert '"named_rate"' in spec and '"ministry": "fmprc"' in spec
    for script in ("/static/vendor/vega-lite.min.js", "/static/trends.js"):
        assert (await datasette.client.get(script)).status_code == 200
    assert "vegaEmbed(" in (await datasette.client.get("/static/trends.js")).text


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/{db}/avoided.json?actor=guaido&_shape=array", '"answer_id"'),
        ("/{db}/naming_forms.json?actor=maduro&_shape=array", '"the Venezuelan government"'),
        ("/{db}/naming_trend.json?actor=maduro&_shape=array", '"answer_naming_rate"'),
        ("/{db}/question_forms.json?actor=guaido&_shape=array", '"journalist_form": "Juan Guaido"'),
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


def facet_tables() -> list[tuple[str, str]]:
    from communique.publish import load_metadata

    tables = load_metadata("corpus.db")["databases"]["corpus"]["tables"]
    return [(table, facet) for table, meta in tables.items() for facet in meta.get("facets", [])]


@pytest.mark.asyncio
@pytest.mark.parametrize(("table", "facet"), facet_tables())
async def test_every_facet_value_returns_its_rows_when_clicked(datasette, analyzed_db, table, facet):
    from urllib.parse import urlsplit

    db = analyzed_db.stem
    data = (await datasette.client.get(f"/{db}/{table}.json?_facet={facet}&_size=0")).json()
    results = data["facet_results"]
    results = results.get("results", results)
    values = results[facet]["results"]
    assert values, f"{table}.{facet} has no facet values to click"
    for value in values[:4]:
        link = urlsplit(value["toggle_url"])
        path = link.path if link.path.endswith(".json") else link.path + ".json"
        clicked = (await datasette.client.get(f"{path}?{link.query}")).json()
        assert clicked["filtered_table_rows_count"] == value["count"], (table, facet, value["value"])


def founding_question_id(db) -> str:
    return sqlite3.connect(db).execute(
        "SELECT reply_to FROM segments WHERE document_id = 'fmprc:t1632218' AND position = 7").fetchone()[0]


@pytest.mark.asyncio
async def test_naming_forms_counts_only_the_ministrys_own_words(datasette, analyzed_db):
    rows = (await datasette.client.get(f"/{analyzed_db.stem}/naming_forms.json?actor=guaido&_shape=array")).json()
    # The journalists named him ("Juan Guaido"); the ministry's answers only spoke of "all relevant parties".
    assert rows and {row["said_in"] for row in rows} <= {"answer", "statement"}
    assert "Juan Guaido" not in {row["ministry_form"] for row in rows}
    in_answers = sqlite3.connect(analyzed_db).execute(
        """SELECT count(*) FROM reference_forms f JOIN segments s ON s.id = f.segment_id
           WHERE f.actor_id = 'guaido' AND s.kind IN ('answer', 'statement')""").fetchone()[0]
    assert sum(row["uses"] for row in rows) == in_answers


@pytest.mark.asyncio
async def test_a_briefing_reads_whole_in_page_order(datasette, analyzed_db):
    answer_page = (await datasette.client.get(f"/-/answer/{founding_answer_id(analyzed_db)}")).text
    link = re.search(r'href="([^"]+)" id="whole-briefing"', answer_page).group(1)
    assert link == f"/-/briefing/fmprc:t1632218#turn-{founding_answer_id(analyzed_db)}"
    response = await datasette.client.get(link.split("#")[0])
    assert response.status_code == 200
    html = response.text
    turns = sqlite3.connect(analyzed_db).execute(
        "SELECT id, kind FROM segments WHERE document_id = 'fmprc:t1632218' ORDER BY position").fetchall()
    assert re.findall(r'id="turn-([0-9a-f]{16})"', html) == [turn_id for turn_id, _ in turns]
    answers = [turn_id for turn_id, kind in turns if kind == "answer"]
    assert re.findall(r'href="/-/answer/([0-9a-f]{16})" class="answer-link"', html) == answers
    assert '<div class="speaker">Hua Chunying</div>' in html
    assert "the Venezuelan government</mark>" in html
    assert (await datasette.client.get("/-/briefing/fmprc%3At1632218")).status_code == 200
    assert (await datasette.client.get("/-/briefing/fmprc:nothing")).status_code == 404


@pytest.mark.asyncio
async def test_a_question_page_shows_its_answers_and_the_journalists_words(datasette, analyzed_db):
    html = (await datasette.client.get(f"/-/answer/{founding_question_id(analyzed_db)}")).text
    answer_id = founding_answer_id(analyzed_db)
    assert f'href="/-/answer/{answer_id}" class="answer-link"' in html
    assert "China supports the efforts made by the" in html
    table = html[html.index("the question's forms"):]
    guaido = table[table.index("Juan Guaidó"):].split("</tr>")[0]
    # the question's own name for him, credited to the question; the answer's oblique phrase to the answer
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", guaido, re.S)]
    # the question's title for him is the office it names: "President of Venezuela's National Assembly Juan Guaido"
    assert cells[:4] == ["named", "Juan Guaido (President of Venezuela&#39;s National Assembly)", "oblique",
                         "all relevant parties"]


@pytest.mark.asyncio
async def test_actors_page_finds_an_actor_by_any_spelling_with_counts(datasette, analyzed_db):
    conn = sqlite3.connect(analyzed_db)
    answers = conn.execute(
        """SELECT count(*) FROM (SELECT answer_id FROM avoidance WHERE actor_id = 'guaido'
           UNION SELECT r.segment_id FROM actor_references r JOIN segments s ON s.id = r.segment_id
           WHERE r.actor_id = 'guaido' AND s.kind = 'answer')""").fetchone()[0]
    avoided = conn.execute("SELECT sum(avoided) FROM avoidance WHERE actor_id = 'guaido'").fetchone()[0]
    for query in ("Guaido", "guaidó", "juan"):
        html = (await datasette.client.get(f"/-/actors?q={query}")).text
        row = html[html.index('id="actor-guaido"'):].split("</tr>")[0]
        counts = [int(n) for n in re.findall(r'class="count">(\d+)<', row)]
        assert counts[1:4:2] == [answers, avoided], query
    html = (await datasette.client.get("/-/actors?q=xinjiang")).text
    assert 'id="actor-xinjiang_government"' in html


@pytest.mark.asyncio
async def test_search_sorts_by_date_and_filters_by_ministry_and_year(datasette):
    def dates(html):
        return re.findall(r'<span class="date">([0-9-]+)</span>', html)

    oldest = dates((await datasette.client.get("/-/search?q=Venezuela&sort=oldest")).text)
    newest = dates((await datasette.client.get("/-/search?q=Venezuela&sort=newest")).text)
    assert len(oldest) >= 3 and oldest == sorted(oldest) and newest == sorted(newest, reverse=True)
    assert oldest[0] < oldest[-1] or len(set(oldest)) == 1
    assert dates((await datasette.client.get("/-/search?q=Venezuela&year=2018")).text) == []
    assert dates((await datasette.client.get("/-/search?q=Venezuela&source=fmprc&year=2019")).text)
    assert dates((await datasette.client.get("/-/search?q=Venezuela&source=state")).text) == []


@pytest.mark.asyncio
async def test_trends_keep_the_chosen_actor_label_quarters_and_say_when_there_is_nothing(datasette, analyzed_db):
    html = (await datasette.client.get("/-/trends?actor=guaido&by=quarter")).text
    assert re.search(r'<option value="guaido" selected>Juan Guaidó \(guaido\), \d+ answers?</option>', html)
    assert '"label": "2019-Q1"' in html and '"type": "ordinal"' in html
    assert f"communique --db {analyzed_db} export trends --actor guaido --by quarter" in html
    html = (await datasette.client.get("/-/trends?actor=xinjiang_government")).text
    assert 'id="trend-message"' in html and "No answer in this corpus refers to" in html
    assert "vegaEmbed(" not in html
    assert '<option value="xinjiang_government" selected>' in html
    html = (await datasette.client.get("/-/trends?actor=xinjiang")).text
    assert "There is no actor &#39;xinjiang&#39; in this corpus: did you mean xinjiang_government" in html


@pytest.mark.asyncio
async def test_table_views_cut_long_turns_and_show_forms_once(datasette, analyzed_db):
    html = (await datasette.client.get(f"/{analyzed_db.stem}/answer_actors?actor=maduro")).text
    assert "read it all →</a>" in html
    longest = sqlite3.connect(analyzed_db).execute(
        "SELECT max(length(answer)) FROM answer_actors WHERE actor = 'maduro'").fetchone()[0]
    assert longest > 600 and not re.search(r"<td[^>]*>[^<]{600,}", html)
    assert '<ul class="forms"><li>' in html and '[&#34;' not in html
    canned = (await datasette.client.get(f"/{analyzed_db.stem}/avoided")).text
    assert '<a href="?actor=guaido">actor = guaido</a>' in canned


def test_forms_are_listed_once_with_their_count():
    from communique.pages import distinct_forms

    assert distinct_forms('["Maduro", "President Maduro", "Maduro"]') == ["Maduro (×2)", "President Maduro"]
    assert distinct_forms(None) == []
