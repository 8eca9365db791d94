"""The real crawl through the replay server into a corpus: whole, incremental, bounded, interrupted."""

from __future__ import annotations

import csv
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


def _stored(db) -> int:
    try:
        return sqlite3.connect(db).execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


def _crawl_until(db, stored: int, stop: signal.Signals = signal.SIGKILL) -> int:
    """Start a crawl, stop it with `stop` once `stored` briefings are in the corpus (0: as soon as
    it has asked for its first briefings), and return how many it had stored."""
    command = [sys.executable, "-m", "communique", "--db", str(db), "crawl", "fmprc", "--replay", str(FMPRC_REPLAY)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.02)
            if not db.exists():
                continue
            if stored == 0:
                try:
                    if sqlite3.connect(db).execute("SELECT count(*) FROM fetches WHERE outcome = 'pending'").fetchone()[0]:
                        break
                except sqlite3.OperationalError:
                    continue
            elif _stored(db) >= stored:
                break
        process.send_signal(stop)
        process.wait(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    return _stored(db)


@pytest.mark.parametrize("moment", [0, 150, 400], ids=["after-the-first-list-page", "a-third-in", "near-the-end"])
def test_a_crawl_killed_at_any_moment_and_run_again_ends_with_the_same_corpus(crawled_db, tmp_path, moment):
    db = tmp_path / "killed.db"
    partial = _crawl_until(db, moment)
    assert moment <= partial < N_ARTICLES, "the crawl was killed mid-way"
    # what it had asked for and not stored is not lost from sight: stats lists it
    pending = sqlite3.connect(db).execute("SELECT count(*) FROM fetches WHERE outcome = 'pending'").fetchone()[0]
    assert pending > 0
    assert f"Briefings not stored: {pending}" in run_communique("stats", db=db).stdout
    resumed = run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), db=db)
    assert f"stored {N_ARTICLES - partial} documents" in resumed.stdout
    assert corpus_snapshot(db) == corpus_snapshot(crawled_db)
    outcomes = dict(sqlite3.connect(db).execute("SELECT outcome, count(*) FROM fetches WHERE kind = 'article' GROUP BY 1"))
    assert outcomes == {"stored": N_ARTICLES}


def test_a_crawl_stopped_gracefully_resumes_from_the_corpus(crawled_db, tmp_path):
    db = tmp_path / "stopped.db"
    partial = _crawl_until(db, 50, signal.SIGINT)  # Scrapy's graceful stop
    assert partial < N_ARTICLES
    run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), db=db)
    assert corpus_snapshot(db) == corpus_snapshot(crawled_db)


def test_the_corpus_is_the_crawl_state_there_is_no_jobdir(tmp_path):
    # Scrapy's JOBDIR did not survive SIGKILL (its request queue is written only on a clean
    # stop); the corpus does, so it is the one state a crawl resumes from.
    result = run_communique("crawl", "fmprc", "--jobdir", str(tmp_path / "job"), db=tmp_path / "c.db", check=False)
    assert result.returncode == 2 and "No such option '--jobdir'" in result.stderr


def _write_presscon_csv(path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "date", "question", "answer", "spokesperson"])
        for n in range(rows):
            writer.writerow([
                f"p{n}", f"2019-{1 + n % 12:02d}-{1 + n % 28:02d}",
                f"Question {n}: does China have any comment on the situation in Venezuela?",
                f"Answer {n}: we call upon all relevant parties to stay rational and seek a political solution.",
                "Hua Chunying",
            ])


def _locked(db) -> bool:
    connection = sqlite3.connect(db, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def test_a_crawl_and_a_20000_row_import_at_once_both_finish_complete(crawled_db, tmp_path):
    db = tmp_path / "shared.db"
    Corpus(db).close()
    big, small = tmp_path / "presscon.csv", tmp_path / "more.csv"
    _write_presscon_csv(big, 20_000)
    _write_presscon_csv(small, 10)  # the same first ten rows: nothing new to add
    base = [sys.executable, "-m", "communique", "--db", str(db)]
    importing = subprocess.Popen(base + ["import", str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while not _locked(db) and importing.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert importing.poll() is None, "the import holds the write lock while the others start"
    # a crawl and a second import start while the first import holds the lock
    crawling = subprocess.Popen(base + ["crawl", "fmprc", "--replay", str(FMPRC_REPLAY)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(base + ["import", str(small)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = {name: (process.wait(timeout=900), *process.communicate())
               for name, process in (("import", importing), ("crawl", crawling), ("second", second))}
    for name, (code, _, err) in results.items():
        assert code == 0, f"{name} failed: {err[-2000:]}"
    assert "20000 rows read, 20000 documents added" in results["import"][1]
    assert "10 rows read, 0 documents added" in results["second"][1]
    crawl_summary = results["crawl"][1]
    assert f"fmprc: stored {N_ARTICLES} documents" in crawl_summary and "waited " in crawl_summary
    # nothing lost on either side: the crawl's corpus is the uninterrupted one, the import whole
    documents, segments = corpus_snapshot(db)
    fmprc = ([d for d in documents if d[0].startswith("fmprc:")], [s for s in segments if s[1].startswith("fmprc:")])
    assert fmprc == corpus_snapshot(crawled_db)
    assert sum(1 for d in documents if d[0].startswith("cmfa_presscon:")) == 20_000


def test_a_crawl_held_off_past_its_bound_stops_in_one_line_and_is_resumed(crawled_db, tmp_path):
    db = tmp_path / "held.db"
    env = {**os.environ, "COMMUNIQUE_LOCK_TIMEOUT": "1"}
    command = [sys.executable, "-m", "communique", "--db", str(db), "crawl", "fmprc", "--replay", str(FMPRC_REPLAY)]
    crawling = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 300
    while _stored(db) < 20 and crawling.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    other = sqlite3.connect(db, timeout=60)
    other.execute("BEGIN IMMEDIATE")  # another writer takes the corpus, for longer than the crawl waits
    try:
        out, err = crawling.communicate(timeout=300)
    finally:
        other.rollback()
        other.close()
    assert crawling.returncode == 1
    [line] = [line for line in err.splitlines() if line.startswith("Error:")]
    assert line.startswith("Error: crawl of fmprc incomplete: stopped early (corpus_unavailable): ")
    assert f"{db} was locked by another writer for 1 s: gave up, nothing of this write was stored" in line
    partial = _stored(db)
    assert partial < N_ARTICLES
    # what was stored is whole; run again, the crawl ends with the uninterrupted corpus
    run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), db=db)
    assert corpus_snapshot(db) == corpus_snapshot(crawled_db)
