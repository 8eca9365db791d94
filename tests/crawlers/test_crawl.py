"""The real crawl through the replay server into a corpus: whole, incremental, bounded, interrupted."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from corpus import Corpus
from tests.conftest import FMPRC_REPLAY, run_communique

pytestmark = pytest.mark.slow

N_ARTICLES = sum(
    1 for line in (FMPRC_REPLAY / "manifest.jsonl").open() if "/t1" in json.loads(line)["url"]
)


def corpus_snapshot(db) -> tuple[list, list]:
    """Everything a crawl decides, minus fetch times: documents and segments, ordered."""
    connection = sqlite3.connect(db)
    documents = connection.execute(
        """SELECT id, url, title, date, date_inferred, spokesperson, kind, html_sha256, parse_status,
                  segment_count FROM documents ORDER BY id"""
    ).fetchall()
    segments = connection.execute(
        "SELECT id, document_id, position, kind, label, speaker, reply_to, text FROM segments ORDER BY id"
    ).fetchall()
    connection.close()
    return documents, segments


def test_replay_crawl_stores_every_saved_briefing(crawled_db):
    documents, segments = corpus_snapshot(crawled_db)
    assert N_ARTICLES == 500
    assert len(documents) == N_ARTICLES
    assert all(row[8] == "ok" for row in documents)
    assert all(row[3] for row in documents), "every document has a date, inferred or stated"
    with Corpus(crawled_db) as corpus:
        turns = corpus.segments_of("fmprc:t1632218")
        assert len(turns) == 32
        assert turns[6]["text"].startswith("According to reports, on January 23, President of Venezuela's")
        assert turns[7]["reply_to"] == turns[6]["id"]
        assert corpus.raw_html("fmprc:t1632218") == (
            FMPRC_REPLAY / "www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1632218.shtml"
        ).read_bytes()


def test_undated_remarks_are_dated_by_their_neighbours(crawled_db):
    connection = sqlite3.connect(crawled_db)
    rows = connection.execute(
        "SELECT id, date, date_inferred FROM documents WHERE date_inferred LIKE 'from the preceding page%' ORDER BY id"
    ).fetchall()
    assert rows == [
        ("fmprc:t1686638", "2019-08-06", "from the preceding page fmprc:t1686637"),
        ("fmprc:t1687014", "2019-08-07", "from the preceding page fmprc:t1686991"),
    ]


def test_second_crawl_fetches_only_list_pages_and_stores_nothing_new(crawled_db, tmp_path):
    db = tmp_path / "again.db"
    db.write_bytes(crawled_db.read_bytes())
    before = corpus_snapshot(db)
    result = run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), db=db)
    assert "stored 0 documents" in result.stdout
    assert f"skipped {N_ARTICLES} already stored" in result.stdout
    assert corpus_snapshot(db) == before


def test_since_and_until_bound_the_crawl(crawled_db, tmp_path):
    db = tmp_path / "june.db"
    run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), "--since", "2020-06-01", "--until", "2020-06-30", db=db)
    query = "SELECT id FROM documents WHERE date BETWEEN '2020-06-01' AND '2020-06-30' ORDER BY id"
    june = [row[0] for row in sqlite3.connect(crawled_db).execute(query)]
    assert len(june) == 20
    assert [row[0] for row in sqlite3.connect(db).execute("SELECT id FROM documents ORDER BY id")] == june


def test_killed_crawl_run_again_ends_with_the_same_corpus(crawled_db, tmp_path):
    db = tmp_path / "killed.db"
    command = [sys.executable, "-m", "communique", "--db", str(db), "crawl", "fmprc", "--replay", str(FMPRC_REPLAY)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        stored = 0
        deadline = time.monotonic() + 120
        while stored < 100 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            if db.exists():
                try:
                    stored = sqlite3.connect(db).execute("SELECT count(*) FROM documents").fetchone()[0]
                except sqlite3.OperationalError:
                    stored = 0  # schema not created yet
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    partial = sqlite3.connect(db).execute("SELECT count(*) FROM documents").fetchone()[0]
    assert 100 <= partial < N_ARTICLES, "the crawl was killed mid-way"
    run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), db=db)
    assert corpus_snapshot(db) == corpus_snapshot(crawled_db)


def test_interrupted_crawl_resumes_from_its_jobdir(crawled_db, tmp_path):
    db, jobdir = tmp_path / "resumed.db", tmp_path / "job"
    command = [
        sys.executable, "-m", "communique", "--db", str(db),
        "crawl", "fmprc", "--replay", str(FMPRC_REPLAY), "--jobdir", str(jobdir),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        if db.exists():
            try:
                if sqlite3.connect(db).execute("SELECT count(*) FROM documents").fetchone()[0] >= 50:
                    break
            except sqlite3.OperationalError:
                pass
    process.send_signal(signal.SIGINT)  # Scrapy's graceful stop, which writes the job state
    process.communicate(timeout=120)
    assert (jobdir / "requests.seen").exists()
    run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), "--jobdir", str(jobdir), db=db)
    assert corpus_snapshot(db) == corpus_snapshot(crawled_db)
