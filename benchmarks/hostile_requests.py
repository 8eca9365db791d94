"""How long each hostile request of issue 13 takes now, one at a time, against the plain libraries.

    python benchmarks/hostile_requests.py [--mb 5]

Imports a JSON Lines file whose answer has --mb million characters (one mention of
Guaido in every 14 words), as `communique import` does, then asks the published corpus
(Datasette's own client, no network) for: a search of that word, a 100 KB search
query, `randomblob(1e9)`, `zeroblob(1e9)`, `printf('%.*c', 2147483647, 'x')` and a
million-byte blob for every row. Beside the search it times FTS5's own snippet() on a
tenth of the same text stored whole, as the search page computed it before (quadratic
in the matches: the whole turn takes minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from communique.publish import datasette_app  # noqa: E402
from corpus import Corpus  # noqa: E402
from corpus.importers import import_file  # noqa: E402

SENTENCE = "Guaido and the opposition met the Venezuelan government again, and China supports dialogue. "


def bare_snippet_seconds(text: str) -> float:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='porter unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t (text) VALUES (?)", [text])
    started = time.perf_counter()
    conn.execute("SELECT snippet(t, 0, '[', ']', '…', 40) FROM t WHERE t MATCH 'guaido'").fetchall()
    return time.perf_counter() - started


async def timed(ds, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = await ds.client.get(path)
    return response.status_code, time.perf_counter() - started


async def asgi_status(ds, path: str) -> tuple[int, float]:
    """A GET straight to the app: httpx refuses URLs over 64 KB."""
    page, _, query = path.partition("?")
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "path": page, "raw_path": page.encode(),
             "query_string": query.encode(), "headers": [(b"host", b"localhost")], "scheme": "http",
             "server": ("localhost", 80), "client": ("127.0.0.1", 1), "root_path": ""}
    statuses = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(event):
        if event["type"] == "http.response.start":
            statuses.append(event["status"])

    started = time.perf_counter()
    await ds.app()(scope, receive, send)
    return statuses[0], time.perf_counter() - started


async def run(mb: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        answer = "\n\n".join([(SENTENCE * 10).strip()] * int(mb * 1_000_000 / (len(SENTENCE) * 10)))
        path = Path(folder) / "huge.jsonl"
        path.write_text(json.dumps({"date": "2019-02-01", "url": "https://example.org/x", "question": "Guaido?",
                                    "answer": answer}) + "\n", encoding="utf-8")
        db = Path(folder) / "huge.db"
        started = time.perf_counter()
        with Corpus(db) as corpus:
            report = import_file(corpus, path, "jsonl")
        print(f"imported an answer of {len(answer):,} characters ({answer.count('Guaido'):,} mentions of Guaido) "
              f"as {report.segments_added - 1} parts in {time.perf_counter() - started:.1f} s")
        ds = datasette_app(db)
        name = db.stem
        await timed(ds, "/-/search?q=sanctions")  # warm-up: templates, first connection
        status, seconds = await timed(ds, "/-/search?q=Guaido")
        tenth = answer[: len(answer) // 10]
        bare = bare_snippet_seconds(tenth)
        print(f"/-/search?q=Guaido: {status} in {seconds * 1000:.0f} ms; FTS5 snippet() on a tenth of the turn "
              f"stored whole ({len(tenth):,} characters): {bare:.1f} s (ratio={seconds / bare:.3f})")
        status, seconds = await asgi_status(ds, "/-/search?q=" + "word+" * 20_000)
        print(f"/-/search with a 100 KB query: {status} in {seconds * 1000:.0f} ms")
        for sql in ("select randomblob(1000000000)", "select zeroblob(1000000000)",
                    "select printf('%.*c', 2147483647, 'x')", "select randomblob(1000000) from segments"):
            status, seconds = await timed(ds, f"/{name}.json?sql={quote_plus(sql)}")
            print(f"?sql={sql}: {status} in {seconds * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=5, help="size of the long answer, in millions of characters")
    asyncio.run(run(parser.parse_args().mb))


if __name__ == "__main__":
    main()
