"""Full-text and semantic search latency on a synthetic corpus of N segments (default a million).

    python benchmarks/search_latency.py [--n 1000000] [--keep PATH]

Builds a corpus with the project's schema (FTS5 triggers included): N segments whose
words are drawn from the demo transcripts' vocabulary, one answer in two, with random
unit float32 vectors of 384 dimensions cached as the pipeline caches them. Then times
the search page's queries (`communique.pages.search_hits`) and the semantic index
(`communique.semantic.SemanticIndex`) against a bare numpy product over the same matrix.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from communique.pages import search_hits  # noqa: E402
from communique.semantic import SemanticIndex  # noqa: E402
from corpus import Corpus, Source  # noqa: E402

DIM = 384
MODEL = "all-MiniLM-L6-v2"


def vocabulary() -> list[str]:
    pages = sorted((ROOT / "tests" / "files" / "fmprc").rglob("t17*.shtml"))[:40]
    words = set()
    for page in pages:
        text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8", errors="ignore"))
        words.update(w for w in re.findall(r"[A-Za-z]{3,}", text))
    return sorted(words)


def build(path: Path, n: int) -> None:
    rng = random.Random(0)
    vectors = np.random.default_rng(0)
    words = vocabulary()
    corpus = Corpus(path)
    corpus.register_source(Source("synthetic", "Synthetic Ministry", "XX", "en"))
    db = corpus.db
    per_document = 20
    started = time.perf_counter()
    for first in range(0, n, 10_000):
        count = min(10_000, n - first)
        documents, segments, embeddings = [], [], []
        for i in range(first, first + count):
            if i % per_document == 0:
                documents.append((f"synthetic:{i // per_document}", "synthetic", f"https://example.org/{i // per_document}",
                                  f"1999-{1 + (i // per_document) % 12:02d}-01", "2000-01-01", "0" * 64, "ok", "en"))
            text = " ".join(rng.choice(words) for _ in range(rng.randint(20, 80)))
            digest = hashlib.sha256(text.encode()).hexdigest()
            kind = "answer" if i % 2 else "question"
            segments.append((f"{i:016x}", f"synthetic:{i // per_document}", i % per_document, kind, text, digest))
            if kind == "answer":
                vector = vectors.standard_normal(DIM).astype(np.float32)
                embeddings.append((MODEL, digest, DIM, (vector / np.linalg.norm(vector)).tobytes()))
        with db.atomic():
            db.conn.executemany(
                """INSERT INTO documents (id, source, url, date, fetched_at, html_sha256, parse_status, language)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", documents)
            db.conn.executemany(
                """INSERT INTO segments (id, document_id, position, kind, text, text_sha256, paragraphs)
                   VALUES (?, ?, ?, ?, ?, ?, 1)""", segments)
            db.conn.executemany("INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?, ?)", embeddings)
        print(f"  {first + count:,} segments ({time.perf_counter() - started:.0f} s)", end="\r", flush=True)
    print()
    corpus.close()


def timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the synthetic corpus at this path")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    path = args.keep or Path(folder.name) / "synthetic.db"
    if not path.exists():
        print(f"building a synthetic corpus of {args.n:,} segments at {path}")
        build(path, args.n)
    corpus = Corpus(path)
    conn = corpus.db.conn
    n = conn.execute("SELECT count(*) FROM segments").fetchone()[0]
    print(f"{n:,} segments")

    for query in ("sovereignty", '"national sovereignty"', "Venezuela dialogue"):
        latency = timed(lambda: search_hits(conn, query, limit=20), 5)
        total, _ = search_hits(conn, query, limit=20)
        print(f"full-text {query!r}: {latency * 1000:.0f} ms for the first 20 of {total:,} hits, snippets included")

    index = SemanticIndex(str(path), MODEL)
    start = time.perf_counter()
    index.refresh(conn)
    print(f"semantic index: {len(index.ids):,} answer vectors loaded in {time.perf_counter() - start:.1f} s (once)")
    check = timed(lambda: index.refresh(conn), 5)
    query = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
    ours = timed(lambda: index.search(query, 20), 10)
    matrix = index.matrix.copy()
    bare = timed(lambda: np.argsort(-(matrix @ (query / np.linalg.norm(query))))[:20], 10)
    print(f"semantic: {ours * 1000:.0f} ms per query (top 20), freshness check {check * 1000:.1f} ms; "
          f"bare numpy product + full sort {bare * 1000:.0f} ms")
    print(f"ratio={ours / bare:.2f}")
    corpus.close()


if __name__ == "__main__":
    main()
