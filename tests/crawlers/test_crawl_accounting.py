"""Every URL a crawl touches is accounted for -- in `fetches`, in `stats`, in the exit code --
and a page fetched again keeps its earlier copy when it changed (issue 12).

The replays are the first list page of the saved fmprc site and its 40 briefings, with
the faults of a live site (tests/crawlers/replays.py).
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from corpus import Corpus
from tests.conftest import run_communique
from tests.crawlers.replays import FIRST_LIST_PAGE, fmprc_first_page, listed_on_first_page

pytestmark = pytest.mark.slow

LISTED = listed_on_first_page()
FAILING, OFFSITE, TRUNCATED, MISSING = LISTED[1:5]
ELSEWHERE = "https://elsewhere.example.org/moved.html"


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A crawl of a site where one briefing answers 500, one moved off-site, one arrives cut short
    and one linked from the list page is missing (404)."""
    folder = tmp_path_factory.mktemp("broken")
    replay = fmprc_first_page(
        folder / "replay", status={FAILING: 500}, location={OFFSITE: ELSEWHERE}, truncate=(TRUNCATED,), missing=(MISSING,)
    )
    db = folder / "corpus.db"
    result = run_communique("crawl", "fmprc", "--replay", str(replay), "--verbose", db=db, check=False)
    return db, result


def fetches(db) -> dict[str, tuple]:
    query = "SELECT url, kind, outcome, http_status, attempts, final_url FROM fetches"
    return {row[0]: row[1:] for row in sqlite3.connect(db).execute(query)}


def test_the_crawl_fails_with_one_line_naming_every_briefing_it_could_not_store(broken):
    _, result = broken
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert line.startswith("Error: crawl of fmprc incomplete: 4 pages not stored as briefings: ")
    assert f"{FAILING} (HTTP 500 after 3 attempt(s))" in line
    assert f"{OFFSITE} (redirected off-site to {ELSEWHERE})" in line
    assert f"{MISSING} (HTTP 404 after 1 attempt(s))" in line
    assert f"{TRUNCATED} (mfa_eng: the page ends inside its body: incomplete (cut short?))" in line
    assert "fmprc: stored 37 documents (1 with parse errors)" in result.stdout  # the cut page is kept, with its error
    assert "2 HTTP errors, 1 off-site redirects, 0 network errors, 0 never fetched" in result.stdout


def test_every_url_tried_has_its_fetch_record(broken):
    db, _ = broken
    recorded = fetches(db)
    assert recorded[FAILING] == ("article", "http_error", 500, 3, None)  # tried three times (Scrapy's retries)
    assert recorded[OFFSITE] == ("article", "offsite_redirect", None, 1, ELSEWHERE)
    assert recorded[TRUNCATED] == ("article", "parse_error", 200, 1, None)
    assert recorded[MISSING] == ("article", "http_error", 404, 1, None)
    assert recorded[FIRST_LIST_PAGE] == ("list", "listed", 200, 1, None)
    # the next list pages and the other era's listing are not in this replay: their listings end there
    assert recorded[FIRST_LIST_PAGE.replace("default.shtml", "default_1.shtml")][:3] == ("list", "missing", 404)
    stored = [url for url, row in recorded.items() if row[1] == "stored"]
    assert len(stored) == 36 and set(stored) == set(LISTED) - {FAILING, OFFSITE, TRUNCATED, MISSING}
    listed_on = sqlite3.connect(db).execute("SELECT DISTINCT listed_on FROM fetches WHERE kind = 'article'").fetchall()
    assert listed_on == [(FIRST_LIST_PAGE,)]


def test_stats_counts_each_kind_of_loss(broken):
    db, _ = broken
    out = run_communique("stats", db=db).stdout
    assert re.search(r"fmprc\s+http_error\s+2\n", out)
    assert re.search(r"fmprc\s+offsite_redirect\s+1\n", out)
    assert re.search(r"fmprc\s+parse_error\s+1\n", out)
    assert re.search(r"fmprc\s+stored\s+36\n", out)
    assert "Briefings not stored: 3" in out
    assert f"{FAILING}: http_error HTTP 500, 3 attempts" in out
    assert f"{OFFSITE}: offsite_redirect, 1 attempts: redirected off-site to {ELSEWHERE}" in out
    assert f"{MISSING}: http_error HTTP 404, 1 attempts" in out
    assert f"fmprc:{TRUNCATED.rsplit('/', 1)[1].split('.')[0]}: {TRUNCATED}: mfa_eng: the page ends inside its body" in out


def test_nothing_listens_inside_a_crawl(broken):
    _, result = broken
    enabled = result.stderr[result.stderr.index("Enabled extensions:"):].split("]", 1)[0]
    assert "CoreStats" in enabled
    assert "TelnetConsole" not in enabled and "RemoteControl" not in enabled


def test_a_crawl_of_the_repaired_site_stores_what_was_missing(broken, tmp_path):
    db = tmp_path / "again.db"
    db.write_bytes(broken[0].read_bytes())
    repaired = fmprc_first_page(tmp_path / "repaired")
    result = run_communique("crawl", "fmprc", "--replay", str(repaired), "--refetch", "errors", db=db)
    # the three never stored are fetched as new pages; the cut page, stored with its error, is fetched again
    assert "fmprc: stored 4 documents (0 with parse errors, 1 new versions of changed pages)" in result.stdout
    assert "skipped 36 already stored" in result.stdout
    recorded = fetches(db)
    assert {recorded[url][1] for url in LISTED} == {"stored"}
    assert recorded[FAILING][3] == 4  # three tries before, one now
    with Corpus(db) as corpus:
        document_id = "fmprc:" + TRUNCATED.rsplit("/", 1)[1].split(".")[0]
        [cut] = corpus.versions_of(document_id)
        assert (cut["version"], cut["parse_status"]) == (1, "error") and cut["segments"] == []
        current = corpus.db.execute("SELECT version, parse_status FROM documents WHERE id = ?", [document_id]).fetchone()
        assert current == (2, "ok")
    assert "Briefings not stored: 0" in run_communique("stats", db=db).stdout


# Fetching stored pages again ---------------------------------------------------------------

EDITED = LISTED[0]  # t1794629, 3 July 2020
ADDED_PARAGRAPH = re.compile(rb"<P[^>]*><SPAN[^>]*>I'd like to add that after Cuba made a statement.*?</P>\n", re.S)


def edit_on_the_site(html: bytes) -> bytes:
    """The ministry deletes a paragraph of the first answer and rewords a sentence of another."""
    edited = ADDED_PARAGRAPH.sub(b"", html, count=1)
    return edited.replace(b"The report you mentioned is groundless", b"The report you mentioned is utterly groundless")


def test_refetch_of_a_changed_page_stores_a_new_version_and_keeps_the_old(tmp_path):
    db = tmp_path / "corpus.db"
    run_communique("crawl", "fmprc", "--replay", str(fmprc_first_page(tmp_path / "july")), db=db)
    with Corpus(db) as corpus:
        document_id = "fmprc:" + EDITED.rsplit("/", 1)[1].split(".")[0]
        before = corpus.segments_of(document_id)
        original = corpus.raw_html(document_id)
    edited = fmprc_first_page(tmp_path / "edited", edit={EDITED: edit_on_the_site})

    skipped = run_communique("crawl", "fmprc", "--replay", str(edited), db=db)
    assert "stored 0 documents" in skipped.stdout  # without --refetch, stored pages are not fetched again

    result = run_communique("crawl", "fmprc", "--replay", str(edited), "--refetch", "2020-07-03", db=db)
    assert "stored 1 documents (0 with parse errors, 1 new versions of changed pages)" in result.stdout

    with Corpus(db) as corpus:
        after = corpus.segments_of(document_id)
        [old] = corpus.versions_of(document_id)
        assert corpus.raw_html(document_id) == edit_on_the_site(original)
        version = corpus.db.execute("SELECT version FROM documents WHERE id = ?", [document_id]).fetchone()[0]
    assert version == 2
    # the old copy is kept whole: its page and its turns, with their ids
    assert old["version"] == 1 and old["html"] == original
    assert [(s["segment_id"], s["text"]) for s in old["segments"]] == [(s["id"], s["text"]) for s in before]
    # the deletion and the rewording are visible; every other turn keeps its id (and its analysis)
    changed = {s["id"] for s in before} - {s["id"] for s in after}
    assert len(changed) == 2 and len(after) == len(before)
    assert "I'd like to add that after Cuba" in before[1]["text"] and "I'd like to add" not in after[1]["text"]
    assert "utterly groundless" in after[7]["text"]
    assert [s["id"] for i, s in enumerate(before) if i not in (1, 7)] == [s["id"] for i, s in enumerate(after) if i not in (1, 7)]

    again = run_communique("crawl", "fmprc", "--replay", str(edited), "--refetch", "all", db=db)
    assert "stored 0 documents" in again.stdout and "40 fetched again unchanged" in again.stdout
    assert "versions" not in again.stdout.split(";")[0]
    stats = run_communique("stats", db=db).stdout
    assert "1 earlier versions of 1 documents that changed on their site" in stats


def test_a_bad_refetch_value_is_refused_in_one_line(tmp_path):
    result = run_communique("crawl", "fmprc", "--refetch", "sometimes", db=tmp_path / "c.db", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: --refetch 'sometimes': give errors, all or a date (YYYY-MM-DD)"
