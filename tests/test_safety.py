"""A public server no visitor can break: each hostile request of issue 13, reproduced and shown refused or bounded."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest

from communique.publish import datasette_app
from communique.safety import MAX_QUERY_CHARS, MAX_QUERY_WORDS, MAX_RESULT_BYTES, content_security_policy
from corpus import Corpus
from corpus.importers import import_file
from corpus.limits import MAX_TURN_CHARS
from tests.conftest import FOUNDING_BRIEFING, HOSTILE_URL, run_communique, start_server
from tests.test_pages import semantic_page

GUAIDO = "Guaido and the opposition met the Venezuelan government again, and China supports dialogue. "


@pytest.fixture(scope="module")
def huge_turn_db(tmp_path_factory):
    """A corpus with an answer of five million characters (40,000 mentions of Guaido), imported as any file is."""
    folder = tmp_path_factory.mktemp("huge")
    rows = [
        {"id": "huge", "date": "2019-02-01", "url": "https://example.org/briefing",
         "question": "Are you in touch with Guaido?", "answer": "\n\n".join([(GUAIDO * 10).strip()] * 4000)},
        {"id": "small", "date": "2019-02-02", "url": "https://example.org/other",
         "question": "And the sanctions?", "answer": "We oppose unilateral sanctions."},
    ]
    assert len(rows[0]["answer"]) > 3_600_000 and rows[0]["answer"].count("Guaido") == 40_000
    rows[0]["answer"] += "\n\n" + "x" * 1_400_000  # a run without a blank: cut at the limit, not lost
    path = folder / "huge.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    db = folder / "huge.db"
    with Corpus(db) as corpus:
        import_file(corpus, path, "jsonl")
    return db


@pytest.fixture(scope="module")
def datasette(huge_turn_db):
    return datasette_app(huge_turn_db)


async def asgi_get(ds, path: str) -> tuple[int, dict, str]:
    """A GET straight to the ASGI app: httpx refuses URLs over 64 KB, a real client need not."""
    page, _, query = path.partition("?")
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": page, "raw_path": page.encode(),
             "query_string": query.encode(), "headers": [(b"host", b"localhost")], "scheme": "http",
             "server": ("localhost", 80), "client": ("127.0.0.1", 1), "root_path": ""}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(event):
        sent.append(event)

    await ds.app()(scope, receive, send)
    start = next(e for e in sent if e["type"] == "http.response.start")
    body = b"".join(e.get("body", b"") for e in sent if e["type"] == "http.response.body")
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body.decode()


# Arbitrary SQL: bounded ------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("select randomblob(1000000000)", "string or blob too big"),
        ("select zeroblob(1000000000)", "string or blob too big"),
        ("select length(replace(hex(randomblob(400000)), 'A', 'AAAAAAAAAA'))", "string or blob too big"),
        ("select randomblob(900000) from segments", f"the result is over {MAX_RESULT_BYTES:,} bytes"),
    ],
)
async def test_sql_that_would_allocate_gigabytes_is_refused(datasette, huge_turn_db, sql, error):
    response = await datasette.client.get(f"/{huge_turn_db.stem}.json", params={"sql": sql})
    assert response.status_code == 400
    assert error in response.json()["error"]


@pytest.mark.asyncio
async def test_printf_widths_are_capped_instead_of_looping_for_a_minute(datasette, huge_turn_db):
    sql = "select printf('%.*c', 2147483647, 'x') as wide, printf('%5d|%-3s|%.2f', 42, 'ab', 3.14159) as fine"
    response = await datasette.client.get(f"/{huge_turn_db.stem}.json", params={"sql": sql, "_shape": "array"})
    assert response.status_code == 200
    assert response.json() == [{"wide": None, "fine": "   42|ab |3.14"}]


@pytest.mark.asyncio
async def test_a_query_that_never_ends_is_interrupted_at_the_time_limit(huge_turn_db):
    ds = datasette_app(huge_turn_db, settings={"sql_time_limit_ms": 200})
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    response = await ds.client.get(f"/{huge_turn_db.stem}.json", params={"sql": sql})
    assert response.status_code == 400 and "SQL query took too long" in response.json()["error"]


@pytest.mark.asyncio
async def test_arbitrary_sql_runs_one_query_at_a_time(huge_turn_db):
    import asyncio

    ds = datasette_app(huge_turn_db, settings={"sql_time_limit_ms": 2000})
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    first, second = await asyncio.gather(*(ds.client.get(f"/{huge_turn_db.stem}.json", params={"sql": sql})
                                           for _ in range(2)))
    # One ran to the time limit; the other waited a second for the slot and was told to come back.
    assert sorted([first.status_code, second.status_code]) == [400, 429]
    refused = first if first.status_code == 429 else second
    assert refused.headers["retry-after"] == "3" and "runs one at a time" in refused.text
    assert (await ds.client.get(f"/{huge_turn_db.stem}.json", params={"sql": "select 1"})).status_code == 200


@pytest.mark.asyncio
async def test_a_public_server_runs_no_arbitrary_sql_but_serves_tables_queries_and_search(huge_turn_db):
    ds = datasette_app(huge_turn_db, public=True)
    name = huge_turn_db.stem
    for path in (f"/{name}.json?sql=select+1", f"/{name}?sql=select+randomblob(1000000000)",
                 f"/{name}/turns?_where=1%3D1"):
        assert (await ds.client.get(path)).status_code == 403, path
    assert (await ds.client.get(f"/{name}/turns.csv?_stream=on")).status_code == 400
    for path in (f"/{name}/turns?_search=sanctions", f"/{name}/documents", f"/{name}/avoided?actor=guaido",
                 "/-/search?q=sanctions", "/"):
        assert (await ds.client.get(path)).status_code == 200, path


# The search pages: capped input, time limit, bounded snippets -----------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("page", ["/-/search", "/-/semantic"])
async def test_a_100_kb_query_is_a_400_that_says_why(datasette, page):
    status, _, body = await asgi_get(datasette, f"{page}?q=" + "word+" * 20_000)
    assert status == 400
    assert f"q is 100,000 characters long; the limit is {MAX_QUERY_CHARS:,}" in body
    words = "+".join(["interference"] * (MAX_QUERY_WORDS + 1))
    status, _, body = await asgi_get(datasette, f"{page}?q={words}")
    assert status == 400 and f"q has {MAX_QUERY_WORDS + 1} words; the limit is {MAX_QUERY_WORDS}" in body


@pytest.mark.asyncio
async def test_a_table_search_over_the_limits_is_a_400_too(datasette, huge_turn_db):
    status, _, body = await asgi_get(datasette, f"/{huge_turn_db.stem}/turns?_search=" + "+".join(["a"] * 2000))
    assert status == 400 and "_search is 3,999 characters long" in body


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("page", "message"),
    [("abc", "page must be a whole number from 1 to 500, not 'abc'"),
     ("99999999999999999999", "page must be a whole number from 1 to 500, not '99999999999999999999'"),
     ("0", "page must be a whole number from 1 to 500, not '0'"),
     ("²", "page must be a whole number from 1 to 500, not '²'"),
     ("9" * 5000, "page must be a whole number from 1 to 500, not '" + "9" * 40 + "'")],
)
async def test_a_bad_page_number_is_a_400_not_a_500(datasette, page, message):
    response = await datasette.client.get(f"/-/search?q=Guaido&page={page}")
    assert response.status_code == 400 and message in html.unescape(response.text)


@pytest.mark.asyncio
async def test_the_five_megabyte_turn_is_stored_in_parts_and_searchable(datasette, huge_turn_db):
    with Corpus(huge_turn_db) as corpus:
        parts = [t for t in corpus.segments_of("import:huge") if t["kind"] == "answer"]
    assert len(parts) > 450 and max(len(t["text"]) for t in parts) <= MAX_TURN_CHARS
    response = await datasette.client.get("/-/search?q=Guaido")
    assert response.status_code == 200
    page = response.text
    count = int(re.search(r'id="result-count">([\d,]+) turns', page).group(1).replace(",", ""))
    assert count == 1 + sum(1 for t in parts if "Guaido" in t["text"])  # the question, and every part
    snippets = re.findall(r'<a href="/-/answer/[0-9a-f]{16}">(.*?)</a>', page, flags=re.S)
    assert len(snippets) == 20
    for snippet in snippets:
        assert "<mark>Guaido</mark>" in snippet and snippet.count("<mark>") == snippet.count("</mark>")
        assert len(re.sub(r"</?mark>", "", snippet).split()) <= 42  # 40 words and the ellipses
    assert "<mark>Guaido</mark>" in (await datasette.client.get("/-/search?q=Guaido&page=15")).text


@pytest.mark.asyncio
async def test_the_search_pages_run_under_datasettes_time_limit(huge_turn_db):
    ds = datasette_app(huge_turn_db, settings={"sql_time_limit_ms": 1})
    response = await ds.client.get("/-/search?q=Guaido")
    assert response.status_code == 400
    assert "took longer than the time limit of 1 ms and was stopped" in response.text


# Links and scripts ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(hostile_db):
    return datasette_app(hostile_db)


def founding_answer(db) -> str:
    import sqlite3

    return sqlite3.connect(db).execute(
        "SELECT id FROM segments WHERE document_id = ? AND kind = 'answer' ORDER BY position", [FOUNDING_BRIEFING]
    ).fetchone()[0]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_javascript_url_is_never_rendered_as_a_link(hostile, hostile_db):
    pages = {
        "answer": f"/-/answer/{founding_answer(hostile_db)}",
        "search": "/-/search?q=%22closely+following+the+current+situation+in+Venezuela%22",
        "semantic": "/-/semantic?q=the+situation+in+Venezuela+and+the+sovereignty+of+its+government",
        "briefing": f"/-/briefing/{FOUNDING_BRIEFING}",
    }
    for name, path in pages.items():
        if name == "semantic":
            page = await semantic_page(hostile, path.split("q=", 1)[1])
        else:
            page = (await hostile.client.get(path)).text
        assert '<span class="not-a-link" title="no web address">official transcript</span>' in page, name
        assert "javascript:" not in page.lower(), name
    # The other briefings keep their link to the official transcript.
    search = (await hostile.client.get("/-/search?q=Venezuela")).text
    assert re.search(r'<a href="https://www\.fmprc\.gov\.cn/[^"]+" rel="noopener noreferrer">official transcript</a>',
                     search)
    # Datasette's own tables show it as text, not a link (is_url wants http(s)).
    table = (await hostile.client.get(f"/{hostile_db.stem}/documents?id={FOUNDING_BRIEFING}")).text
    assert HOSTILE_URL in table and f'href="{HOSTILE_URL}' not in table


def inline_scripts(html: str) -> list[str]:
    return [body for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
            if "src=" not in attributes and "application/json" not in attributes]


def script_hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


@pytest.mark.asyncio
async def test_every_page_carries_a_policy_that_runs_only_this_servers_scripts(datasette, huge_turn_db):
    policy = content_security_policy()
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"].startswith("'self' 'sha256-")
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    name = huge_turn_db.stem
    answer_id = Corpus(huge_turn_db).segments_of("import:small")[1]["id"]
    for path in ("/", f"/{name}", f"/{name}/turns", f"/{name}/turns?_search=sanctions", f"/{name}?sql=select+1",
                 f"/{name}/avoided?actor=guaido", "/-/search?q=sanctions", "/-/semantic?q=sanctions",
                 f"/-/answer/{answer_id}", "/-/briefing/import:small", "/-/actors?q=guaido",
                 "/-/trends?actor=guaido", f"/{name}.json", "/-/nothing-here",
                 f"/{name}/turns?_search=" + "+".join(["a"] * 2000)):
        response = await datasette.client.get(path)
        assert response.headers["content-security-policy"] == policy, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        # Datasette's few inline scripts are fixed text, allowed by their hashes; ours are files.
        for body in inline_scripts(response.text):
            assert script_hash(body) in directives["script-src"], (path, body[:80])
    trends = (await datasette.client.get("/-/trends?actor=guaido")).text
    assert inline_scripts(trends) == inline_scripts((await datasette.client.get("/")).text)


# serve: one line on failure, a prompt stop -------------------------------------------------


def test_serve_refuses_a_bad_or_taken_port_in_one_line(huge_turn_db):
    result = run_communique("serve", "--port", "99999", db=huge_turn_db, check=False)
    assert result.returncode == 1 and result.stderr == "Error: --port 99999 is not a port number (1 to 65535)\n"
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_communique("serve", "--port", str(port), db=huge_turn_db, check=False)
    assert result.returncode == 1
    assert result.stderr == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_serve_stops_at_once_on_sigterm_with_a_hostile_request_in_flight(huge_turn_db):
    server, base = start_server(huge_turn_db, capture=True)
    try:
        # A query that would run until Datasette's 3 s limit; stopped at once by the shutdown.
        sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
        answers: list = []

        def hostile():
            try:
                urllib.request.urlopen(f"{base}/{huge_turn_db.stem}.json?sql={urllib.request.quote(sql)}", timeout=30)
            except urllib.error.HTTPError as error:
                answers.append(error.code)
            except OSError as error:
                answers.append(error)

        request = threading.Thread(target=hostile)
        request.start()
        time.sleep(0.5)
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=15)
        request.join(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == -signal.SIGTERM
    assert "Traceback" not in stderr
    assert answers == [400]  # the interrupted query answered, not cut off
