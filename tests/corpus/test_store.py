"""The corpus layer: migrations, transactional writes, stable ids, full-text search."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
import time

import pytest

from corpus import Corpus, CorpusError, Document, Segment, Source
from corpus.errors import CorpusLocked, NotACorpus
from corpus.records import Fetch
from corpus.schema import migrations

SOURCE = Source(name="fmprc", ministry="China MFA", country="CN", language="en")
FETCHED = dt.datetime(2020, 7, 4, 12, 0, tzinfo=dt.timezone.utc)

VENEZUELA_Q = "Does China still recognize Nicholas Maduro as the current President of Venezuela?"
VENEZUELA_A = (
    "Like I said just now, many countries including China as well as the UN Secretary-General "
    "have expressed their positions."
)


def document(segments=None, parse_error=None, url="https://www.fmprc.gov.cn/t1632218.shtml") -> Document:
    return Document(
        source="fmprc",
        url=url,
        native_id=url.rsplit("/", 1)[1].split(".")[0],
        html=b"<html>saved page</html>",
        fetched_at=FETCHED,
        language="en",
        title="Regular Press Conference on January 24, 2019",
        date=dt.date(2019, 1, 24),
        spokesperson="Hua Chunying",
        segments=segments if segments is not None else [
            Segment("question", VENEZUELA_Q, label="Q"),
            Segment("answer", VENEZUELA_A, label="A", speaker="Hua Chunying", reply_to=0),
        ],
        parse_error=parse_error,
    )


@pytest.fixture
def corpus(tmp_path):
    with Corpus(tmp_path / "corpus.db") as opened:
        opened.register_source(SOURCE)
        yield opened


def test_opening_applies_every_migration_once(tmp_path):
    path = tmp_path / "c.db"
    Corpus(path).close()
    Corpus(path).close()
    applied = sqlite3.connect(path).execute("SELECT name FROM _sqlite_migrations").fetchall()
    assert [name for (name,) in applied] == [m.name for m in migrations._migrations]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_an_older_corpus_is_upgraded_on_open(tmp_path):
    path = tmp_path / "old.db"
    import sqlite_utils

    old = sqlite_utils.Database(path)
    migrations.apply(old, stop_before=migrations._migrations[-1].name)
    old.close()
    Corpus(path).close()
    assert len(migrations.pending(sqlite_utils.Database(path))) == 0


def test_store_and_read_back(corpus):
    doc_id = corpus.store_document(document())
    assert doc_id == "fmprc:t1632218"
    turns = corpus.segments_of(doc_id)
    assert [(t["kind"], t["speaker"], t["text"]) for t in turns] == [
        ("question", None, VENEZUELA_Q),
        ("answer", "Hua Chunying", VENEZUELA_A),
    ]
    assert turns[1]["reply_to"] == turns[0]["id"]
    assert corpus.raw_html(doc_id) == b"<html>saved page</html>"


def test_storing_the_same_page_again_keeps_segment_ids(corpus):
    corpus.store_document(document())
    first = [t["id"] for t in corpus.segments_of("fmprc:t1632218")]
    corpus.store_document(document())
    assert [t["id"] for t in corpus.segments_of("fmprc:t1632218")] == first
    assert corpus.db["documents"].count == 1


def test_a_reparse_that_adds_a_turn_keeps_the_ids_of_the_others(corpus):
    corpus.store_document(document())
    before = {t["text"]: t["id"] for t in corpus.segments_of("fmprc:t1632218")}
    opening = Segment("statement", "I have an announcement to make.", speaker="Hua Chunying")
    corpus.store_document(
        document(
            [
                opening,
                Segment("question", VENEZUELA_Q, label="Q"),
                Segment("answer", VENEZUELA_A, label="A", speaker="Hua Chunying", reply_to=1),
            ]
        )
    )
    after = corpus.segments_of("fmprc:t1632218")
    assert [t["position"] for t in after] == [0, 1, 2]
    assert after[1]["id"] == before[VENEZUELA_Q] and after[2]["id"] == before[VENEZUELA_A]
    assert after[2]["reply_to"] == after[1]["id"]


def test_a_page_that_no_longer_parses_keeps_its_segments_and_records_the_error(corpus):
    corpus.store_document(document())
    corpus.store_document(document(segments=[], parse_error="no div.content"))
    row = corpus.db["documents"].get("fmprc:t1632218")
    assert (row["parse_status"], row["parse_error"]) == ("error", "no div.content")
    assert len(corpus.segments_of("fmprc:t1632218")) == 2


def test_full_text_search_follows_inserts_updates_and_deletes(corpus):
    corpus.store_document(document())

    def search(term):
        return [r[0] for r in corpus.db.execute(
            "SELECT segments.text FROM segments_fts JOIN segments ON segments.rowid = segments_fts.rowid "
            "WHERE segments_fts MATCH ?", [term])]

    assert search("Maduro") == [VENEZUELA_Q]
    assert search("recognizing") == [VENEZUELA_Q]  # porter stemming
    corpus.store_document(document([Segment("question", "What about Guaidó?", label="Q")]))
    assert search("Maduro") == []
    assert search("Guaido") == ["What about Guaidó?"]  # diacritics folded


def test_a_corrupt_file_is_refused_with_its_path(tmp_path):
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(NotACorpus, match=str(path)):
        Corpus(path)
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_a_document_of_an_unregistered_source_is_refused(corpus):
    stray = document()
    stray.source = "nowhere"
    with pytest.raises(CorpusError, match="unknown source 'nowhere'"):
        corpus.store_document(stray)
    assert corpus.db["documents"].count == 0


def test_a_failed_write_leaves_nothing_half_written(corpus):
    corpus.store_document(document())
    broken = document([Segment("question", "Q1", label="Q"), Segment("answer", "A1", reply_to=0)])
    broken.segments[1].kind = "speech"  # violates the CHECK constraint mid-transaction
    with pytest.raises(sqlite3.IntegrityError):
        corpus.store_document(broken)
    assert [t["text"] for t in corpus.segments_of("fmprc:t1632218")] == [VENEZUELA_Q, VENEZUELA_A]
    assert corpus.raw_html("fmprc:t1632218") == b"<html>saved page</html>"


def test_stats_count_documents_errors_and_segments(corpus):
    corpus.store_document(document())
    corpus.store_document(document(segments=[], parse_error="no body", url="https://www.fmprc.gov.cn/t1.shtml"))
    stats = corpus.stats()
    assert stats["documents"] == [{"source": "fmprc", "year": "2019", "documents": 2, "errors": 1}]
    assert stats["parse_errors"] == [{"id": "fmprc:t1", "url": "https://www.fmprc.gov.cn/t1.shtml", "error": "no body"}]
    assert stats["segments"] == {"answer": 1, "question": 1}


# Versions of a page fetched again ------------------------------------------------------------


def test_a_page_fetched_again_unchanged_is_not_a_new_version(corpus):
    assert corpus.store_fetched(document()) == "stored"
    assert corpus.store_fetched(document()) == "unchanged"
    assert corpus.db.execute("SELECT version FROM documents").fetchone() == (1,)
    assert corpus.versions_of("fmprc:t1632218") == []


def test_a_changed_page_becomes_a_new_version_and_the_old_one_is_kept_with_its_turns(corpus):
    corpus.store_fetched(document())
    old_ids = [t["id"] for t in corpus.segments_of("fmprc:t1632218")]
    edited = document([Segment("question", VENEZUELA_Q, label="Q"),
                       Segment("answer", "No comment.", label="A", speaker="Hua Chunying", reply_to=0)])
    edited.html = b"<html>the page, edited</html>"
    assert corpus.store_fetched(edited) == "changed"
    [old] = corpus.versions_of("fmprc:t1632218")
    assert (old["version"], old["html"], old["parse_status"]) == (1, b"<html>saved page</html>", "ok")
    assert [(s["segment_id"], s["text"]) for s in old["segments"]] == list(zip(old_ids, [VENEZUELA_Q, VENEZUELA_A]))
    assert old["segments"][1]["reply_to"] == old_ids[0]
    current = corpus.segments_of("fmprc:t1632218")
    assert current[0]["id"] == old_ids[0]  # the unchanged question keeps its id
    assert current[1]["text"] == "No comment." and current[1]["id"] != old_ids[1]
    assert corpus.raw_html("fmprc:t1632218") == b"<html>the page, edited</html>"
    assert corpus.db.execute("SELECT version FROM documents").fetchone() == (2,)
    assert corpus.stats()["versions"] == (1, 1)


# The fetch record ----------------------------------------------------------------------------


def test_fetch_attempts_add_up_and_the_first_try_is_kept(corpus):
    url = "https://www.fmprc.gov.cn/t1.shtml"
    corpus.record_requested("fmprc", [url], listed_on="https://www.fmprc.gov.cn/default.shtml")
    assert corpus.stats()["not_stored"][0]["outcome"] == "pending"
    corpus.record_fetch(Fetch("fmprc", url, "article", "http_error", http_status=500, attempts=3, error="HTTP 500"))
    first = corpus.db.execute("SELECT first_tried_at FROM fetches").fetchone()[0]
    corpus.record_fetch(Fetch("fmprc", url, "article", "stored", http_status=200, document_id="fmprc:t1"))
    row = corpus.db.execute(
        "SELECT outcome, http_status, attempts, listed_on, document_id, first_tried_at, error FROM fetches"
    ).fetchone()
    assert row == ("stored", 200, 4, "https://www.fmprc.gov.cn/default.shtml", "fmprc:t1", first, None)
    assert corpus.stats()["not_stored"] == []
    with pytest.raises(ValueError, match="fetch outcome must be one of"):
        Fetch("fmprc", url, "article", "lost")


def test_refetch_chooses_errors_all_or_pages_dated_since(corpus):
    corpus.store_document(document())  # 2019-01-24
    corpus.store_document(document(segments=[], parse_error="cut short", url="https://www.fmprc.gov.cn/t2.shtml"))
    later = document(url="https://www.fmprc.gov.cn/t3.shtml")
    later.date = dt.date(2020, 7, 3)
    corpus.store_document(later)
    assert corpus.refetch_urls("fmprc", "errors") == ["https://www.fmprc.gov.cn/t2.shtml"]
    assert len(corpus.refetch_urls("fmprc", "all")) == 3
    assert corpus.refetch_urls("fmprc", "2020-01-01") == ["https://www.fmprc.gov.cn/t3.shtml"]


# Writers that meet ---------------------------------------------------------------------------


@contextlib.contextmanager
def another_writer(path, seconds: float):
    """Another connection holds the corpus' write lock for `seconds`, from the moment the block starts."""
    holding = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO sources VALUES ('other', 'Another ministry', 'XX', 'en', NULL)")
        holding.set()
        time.sleep(seconds)
        connection.commit()
        connection.close()

    other = threading.Thread(target=hold)
    other.start()
    holding.wait()
    try:
        yield
    finally:
        other.join()


def test_a_writer_waits_for_another_and_then_writes(corpus):
    with another_writer(corpus.path, 2.5):
        corpus.store_document(document())  # waits for the other writer, then stores
    assert corpus.lock_waited_s > 0  # it had to wait: the other held the lock
    assert corpus.db["documents"].count == 1 and corpus.db["sources"].count == 2


def test_a_writer_held_off_past_its_bound_fails_in_one_line_and_writes_nothing(corpus):
    path = corpus.path
    with another_writer(path, 4), Corpus(path, lock_timeout=1.5) as impatient:
        with pytest.raises(CorpusLocked) as error:
            impatient.store_document(document())
    message = str(error.value)
    assert message.startswith(f"{path} was locked by another writer for 1.5 s: gave up, nothing of this write was stored")
    assert "\n" not in message
    assert corpus.db["documents"].count == 0 and corpus.db["pages"].count == 0
