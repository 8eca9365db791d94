"""The corpus layer: migrations, transactional writes, stable ids, full-text search."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from corpus import Corpus, CorpusError, Document, Segment, Source
from corpus.errors import NotACorpus
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
