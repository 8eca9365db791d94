"""Storage of documents and segments: every write is one transaction, nothing half-written.

Writers share the corpus file: a crawl, an import and an analysis may run at once. Each
transaction takes SQLite's write lock up front and waits for it, boundedly: a writer
that had to wait says so, and one that waited longer than its bound fails with
CorpusLocked having written nothing, rather than dropping what it was given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import sqlite3
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlite_utils import Database

from .errors import CorpusError, CorpusLocked, NotACorpus
from .limits import split_long_segments, stored_url_problem
from .records import Document, Fetch, Segment, Source
from .schema import FETCH_FAILURES, apply_migrations, migrations

log = logging.getLogger(__name__)

# How long a writer waits for another to finish before it gives up (seconds). A 20,000-row
# import holds the lock for about a minute on a small machine.
LOCK_TIMEOUT_S = 600.0
_LOCK_SLICE_MS = 1000  # SQLite's own wait between our checks of the deadline


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def segment_ids(document_id: str, segments: Iterable[Segment]) -> list[str]:
    """Ids that depend on what a segment says, not on where it sits.

    Parsing the same page again gives the same ids, and a parser fix that moves or
    splits some turns keeps the ids (and so the analysis) of the turns it did not touch.
    The occurrence count separates identical turns in one page ("Q: Yes.").
    """
    seen: Counter[tuple[str, str]] = Counter()
    ids = []
    for segment in segments:
        key = (segment.kind, segment.text)
        occurrence = seen[key]
        seen[key] += 1
        digest = sha256_hex(f"{document_id}\x1f{segment.kind}\x1f{segment.text}\x1f{occurrence}")
        ids.append(digest[:16])
    return ids


def _is_lock_error(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class _Database(Database):
    """sqlite-utils' Database whose transactions wait for the write lock, boundedly.

    `atomic()` begins with BEGIN IMMEDIATE: a transaction that started as a read and
    later wrote could be refused at once, without waiting, when another writer had
    committed in between; taking the lock first makes every writer queue instead.
    Every write of sqlite-utils goes through `atomic()`, so importers and analysis get
    the same behaviour without knowing about it.
    """

    def __init__(self, path: Path, lock_timeout: float):
        super().__init__(sqlite3.connect(str(path), timeout=lock_timeout))
        self.path = path
        self.lock_timeout = lock_timeout
        self.lock_waits = 0
        self.lock_waited_s = 0.0

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self._begin_immediate()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def _begin_immediate(self) -> None:
        started = time.monotonic()
        reported = False
        self.conn.execute(f"PRAGMA busy_timeout = {_LOCK_SLICE_MS}")
        try:
            while True:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if not _is_lock_error(error):
                        raise
                    if time.monotonic() - started >= self.lock_timeout:
                        raise CorpusLocked(
                            f"{self.path} was locked by another writer for {self.lock_timeout:g} s: gave up, "
                            "nothing of this write was stored; run it again once the other command is done"
                        ) from error
                    if not reported:
                        reported = True
                        self.lock_waits += 1
                        log.warning("%s is locked by another writer: waiting (up to %g s)", self.path, self.lock_timeout)
        finally:
            if reported:
                self.lock_waited_s += time.monotonic() - started
            self.conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")


class Corpus:
    """A Communique corpus in one SQLite file, upgraded to the current schema on open."""

    def __init__(self, path: str | Path, lock_timeout: float = LOCK_TIMEOUT_S):
        self.path = Path(path)
        if self.path.is_dir():
            raise CorpusError(f"{self.path} is a folder, not a corpus file")
        try:
            self.db = _Database(self.path, lock_timeout)
            self.db.execute("PRAGMA schema_version").fetchone()
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            if migrations.pending(self.db):
                # Under the write lock, so that two commands opening a new corpus at
                # once apply each migration once; opening an up-to-date corpus only reads.
                with self.db.atomic():
                    apply_migrations(self.db)
        except CorpusLocked:
            raise
        except sqlite3.OperationalError as error:
            if _is_lock_error(error):
                raise CorpusLocked(f"{self.path} stayed locked by another writer: {error}") from error
            raise NotACorpus(f"{self.path} is not a usable SQLite corpus: {error}") from error
        except sqlite3.DatabaseError as error:
            raise NotACorpus(f"{self.path} is not a usable SQLite corpus: {error}") from error

    @property
    def lock_waited_s(self) -> float:
        """Seconds this corpus' writes spent waiting for other writers."""
        return self.db.lock_waited_s

    def transaction(self):
        """One transaction over several writes (each write method is one already): all or nothing."""
        return self.db.atomic()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Writes -------------------------------------------------------------------------

    def register_source(self, source: Source) -> None:
        with self.db.atomic():
            self.db["sources"].upsert(
                {
                    "name": source.name,
                    "ministry": source.ministry,
                    "country": source.country,
                    "language": source.language,
                    "homepage": source.homepage,
                },
                pk="name",
            )

    def store_document(self, document: Document) -> str:
        """Insert or replace a document, its raw page and its segments, all or nothing.

        Only documents at http(s) URLs (or the importers' `import:` names) are stored, and
        a turn longer than corpus.limits.MAX_TURN_CHARS is stored as consecutive parts.
        """
        if not self.db["sources"].count_where("name = ?", [document.source]):
            raise CorpusError(f"unknown source {document.source!r} for {document.url}: register it first")
        if problem := stored_url_problem(document.url):
            raise CorpusError(f"document {document.id!r} not stored: {problem}")
        segments = split_long_segments(document.segments)
        doc_id = document.id
        html_sha = sha256_hex(document.html)
        ok = document.parse_error is None
        row = {
            "id": doc_id,
            "source": document.source,
            "url": document.url,
            "title": document.title,
            "date": document.date.isoformat() if document.date else None,
            "date_inferred": document.date_inferred,
            "spokesperson": document.spokesperson,
            "kind": document.kind,
            "language": document.language,
            "layout": document.layout,
            "sequence": document.sequence,
            "fetched_at": document.fetched_at.isoformat(timespec="seconds"),
            "http_status": document.http_status,
            "html_sha256": html_sha,
            "parse_status": "ok" if ok else "error",
            "parse_error": document.parse_error,
            "segment_count": len(segments) if ok else 0,
        }
        with self.db.atomic():
            existing = self.db.execute("SELECT id FROM documents WHERE url = ?", [document.url]).fetchone()
            if existing and existing[0] != doc_id:
                raise CorpusError(
                    f"{document.url} is stored as {existing[0]!r}, not {doc_id!r}: two ids for one page"
                )
            self.db["documents"].upsert(row, pk="id")
            self.db["pages"].upsert(
                {
                    "document_id": doc_id,
                    "content_type": document.content_type,
                    "encoding": document.encoding,
                    "html_zlib": zlib.compress(document.html, 6),
                    "bytes": len(document.html),
                    "sha256": html_sha,
                },
                pk="document_id",
            )
            # A page that no longer parses keeps its previous segments (and their
            # analysis) rather than losing them: the error is on the document row.
            if ok:
                self._replace_segments(doc_id, segments)
        return doc_id

    def store_fetched(self, document: Document) -> str:
        """Store a page a crawl fetched; returns "stored", "unchanged" or "changed".

        A page not stored before is stored. A page stored before with the same bytes is
        parsed again in place (a parser fix reaches it; unchanged turns keep their ids).
        A page whose bytes changed becomes a new version: the copy it replaces, with its
        segments, moves to document_versions / version_segments, and nothing is lost.
        """
        with self.db.atomic():
            current = self.db.execute(
                "SELECT id, html_sha256, version FROM documents WHERE url = ?", [document.url]
            ).fetchone()
            if current is None:
                self.store_document(document)
                return "stored"
            if current[1] == sha256_hex(document.html):
                self.store_document(document)
                return "unchanged"
            self._keep_version(current[0], current[2])
            self.store_document(document)
            self.db.execute("UPDATE documents SET version = ? WHERE id = ?", [current[2] + 1, current[0]])
            return "changed"

    def _keep_version(self, doc_id: str, version: int) -> None:
        self.db.execute(
            """INSERT INTO document_versions
               SELECT d.id, d.version, d.fetched_at, ?, d.title, d.date, d.spokesperson, d.kind, d.layout,
                      d.http_status, d.parse_status, d.parse_error, d.segment_count,
                      p.content_type, p.encoding, p.sha256, p.html_zlib, p.bytes
               FROM documents d JOIN pages p ON p.document_id = d.id WHERE d.id = ?""",
            [_now(), doc_id],
        )
        self.db.execute(
            """INSERT INTO version_segments
               SELECT document_id, ?, position, id, kind, label, speaker, reply_to, text
               FROM segments WHERE document_id = ?""",
            [version, doc_id],
        )

    def record_fetch(self, fetch: Fetch) -> None:
        """Write what became of a URL; attempts add up over crawls, the first try is kept."""
        now = _now()
        with self.db.atomic():
            self.db.execute(
                """INSERT INTO fetches (url, source, kind, outcome, http_status, final_url, error, attempts,
                                        listed_on, document_id, first_tried_at, last_tried_at)
                   VALUES (:url, :source, :kind, :outcome, :http_status, :final_url, :error, :attempts,
                           :listed_on, :document_id, :now, :now)
                   ON CONFLICT (url) DO UPDATE SET
                       source = excluded.source, kind = excluded.kind, outcome = excluded.outcome,
                       http_status = excluded.http_status, final_url = excluded.final_url, error = excluded.error,
                       attempts = fetches.attempts + excluded.attempts,
                       listed_on = coalesce(excluded.listed_on, fetches.listed_on),
                       document_id = coalesce(excluded.document_id, fetches.document_id),
                       first_tried_at = coalesce(fetches.first_tried_at, excluded.first_tried_at),
                       last_tried_at = excluded.last_tried_at""",
                {**vars(fetch), "now": now if fetch.attempts else None},
            )

    def record_requested(self, source: str, urls: Iterable[str], listed_on: str | None = None) -> None:
        """Mark URLs a crawl is about to fetch as pending: a crawl killed before it reached them
        leaves them pending, and the next crawl (or `stats`) sees it."""
        with self.db.atomic():
            self.db.conn.executemany(
                """INSERT INTO fetches (url, source, kind, outcome, listed_on) VALUES (?, ?, 'article', 'pending', ?)
                   ON CONFLICT (url) DO UPDATE SET outcome = 'pending',
                       listed_on = coalesce(excluded.listed_on, fetches.listed_on)""",
                [(url, source, listed_on) for url in urls],
            )

    def _replace_segments(self, doc_id: str, segments: list[Segment]) -> None:
        ids = segment_ids(doc_id, segments)
        old_ids = {row[0] for row in self.db.execute("SELECT id FROM segments WHERE document_id = ?", [doc_id])}
        # Clear links and park positions first so that kept segments can move freely.
        self.db.execute(
            "UPDATE segments SET reply_to = NULL, position = -1 - position WHERE document_id = ?", [doc_id]
        )
        gone = old_ids - set(ids)
        if gone:
            self.db.execute(
                f"DELETE FROM segments WHERE id IN ({','.join('?' * len(gone))})", sorted(gone)
            )
        rows = []
        for position, (segment_id, segment) in enumerate(zip(ids, segments)):
            rows.append(
                {
                    "id": segment_id,
                    "document_id": doc_id,
                    "position": position,
                    "kind": segment.kind,
                    "label": segment.label,
                    "speaker": segment.speaker,
                    "reply_to": ids[segment.reply_to] if segment.reply_to is not None else None,
                    "text": segment.text,
                    "paragraphs": segment.paragraphs,
                    "text_sha256": sha256_hex(segment.text),
                }
            )
        if rows:
            self.db["segments"].upsert_all(rows, pk="id")

    def infer_missing_dates(self, source: str) -> int:
        """Date undated documents by their nearest earlier dated neighbour in the source's sequence.

        Sites number their pages in publishing order (fmprc's t-numbers), so a page with
        no date anywhere sits between the dates of its neighbours. Returns how many were dated.
        """
        undated = self.db.execute(
            "SELECT id, sequence FROM documents WHERE source = ? AND date IS NULL AND sequence IS NOT NULL",
            [source],
        ).fetchall()
        dated = 0
        with self.db.atomic():
            for doc_id, sequence in undated:
                neighbour = self.db.execute(
                    """SELECT id, date FROM documents
                       WHERE source = ? AND date IS NOT NULL AND date_inferred IS NULL AND sequence < ?
                       ORDER BY sequence DESC LIMIT 1""",
                    [source, sequence],
                ).fetchone()
                if neighbour:
                    self.db.execute(
                        "UPDATE documents SET date = ?, date_inferred = ? WHERE id = ?",
                        [neighbour[1], f"from the preceding page {neighbour[0]}", doc_id],
                    )
                    dated += 1
        return dated

    # Reads --------------------------------------------------------------------------

    def stored_urls(self, source: str) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT url FROM documents WHERE source = ?", [source])}

    def refetch_urls(self, source: str, which: str) -> list[str]:
        """Stored pages of a source to fetch again: "errors" (stored with a parse error),
        "all", or a date YYYY-MM-DD (briefings dated on or after it, and undated ones)."""
        if which == "errors":
            where, parameters = "parse_status = 'error'", []
        elif which == "all":
            where, parameters = "1", []
        else:
            where, parameters = "(date >= ? OR date IS NULL)", [which]
        query = f"SELECT url FROM documents WHERE source = ? AND {where} ORDER BY url"
        return [row[0] for row in self.db.execute(query, [source, *parameters])]

    def versions_of(self, document_id: str) -> list[dict]:
        """The replaced copies of a document, oldest first, each with its segments."""
        versions = list(
            self.db.query(
                """SELECT document_id, version, fetched_at, replaced_at, title, date, parse_status, parse_error,
                          html_sha256, html_zlib FROM document_versions WHERE document_id = ? ORDER BY version""",
                [document_id],
            )
        )
        for version in versions:
            version["html"] = zlib.decompress(version.pop("html_zlib"))
            version["segments"] = list(
                self.db.query(
                    "SELECT * FROM version_segments WHERE document_id = ? AND version = ? ORDER BY position",
                    [document_id, version["version"]],
                )
            )
        return versions

    def raw_html(self, document_id: str) -> bytes:
        row = self.db.execute("SELECT html_zlib FROM pages WHERE document_id = ?", [document_id]).fetchone()
        if row is None:
            raise CorpusError(f"no stored page for document {document_id!r} in {self.path}")
        return zlib.decompress(row[0])

    def segments_of(self, document_id: str) -> list[dict]:
        return list(
            self.db.query(
                "SELECT * FROM segments WHERE document_id = ? ORDER BY position", [document_id]
            )
        )

    def stats(self) -> dict:
        """Counts for `communique stats`: documents per source and year, errors, segments per kind."""
        q = self.db.execute
        return {
            "documents": [
                {"source": s, "year": y, "documents": n, "errors": e}
                for s, y, n, e in q(
                    """SELECT source, coalesce(substr(date, 1, 4), 'undated'), count(*),
                              sum(parse_status = 'error')
                       FROM documents GROUP BY 1, 2 ORDER BY 1, 2"""
                )
            ],
            "parse_errors": [
                {"id": i, "url": u, "error": e}
                for i, u, e in q(
                    "SELECT id, url, parse_error FROM documents WHERE parse_status = 'error' ORDER BY id"
                )
            ],
            "segments": dict(q("SELECT kind, count(*) FROM segments GROUP BY kind ORDER BY kind").fetchall()),
            "fetches": [
                {"source": s, "outcome": o, "urls": n}
                for s, o, n in q("SELECT source, outcome, count(*) FROM fetches GROUP BY 1, 2 ORDER BY 1, 2")
            ],
            "not_stored": [
                {"source": s, "url": u, "outcome": o, "http_status": h, "error": e, "attempts": a, "stored": d}
                for s, u, o, h, e, a, d in q(
                    f"""SELECT f.source, f.url, f.outcome, f.http_status, f.error, f.attempts, d.id IS NOT NULL
                        FROM fetches f LEFT JOIN documents d ON d.url = f.url
                        WHERE f.kind = 'article' AND f.outcome IN {(*FETCH_FAILURES, 'pending')!r}
                          AND f.outcome != 'parse_error'
                        ORDER BY f.source, f.url"""
                )
            ],
            "versions": q("SELECT count(*), count(DISTINCT document_id) FROM document_versions").fetchone(),
        }
