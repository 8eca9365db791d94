"""Storage of documents and segments: every write is one transaction, nothing half-written."""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from .errors import CorpusError, NotACorpus
from .records import Document, Segment, Source
from .schema import apply_migrations


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


class Corpus:
    """A Communique corpus in one SQLite file, upgraded to the current schema on open."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.is_dir():
            raise CorpusError(f"{self.path} is a folder, not a corpus file")
        try:
            self.db = Database(self.path)
            self.db.execute("PRAGMA schema_version").fetchone()
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            apply_migrations(self.db)
        except sqlite3.DatabaseError as error:
            raise NotACorpus(f"{self.path} is not a usable SQLite corpus: {error}") from error

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
        """Insert or replace a document, its raw page and its segments, all or nothing."""
        if not self.db["sources"].count_where("name = ?", [document.source]):
            raise CorpusError(f"unknown source {document.source!r} for {document.url}: register it first")
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
            "segment_count": len(document.segments) if ok else 0,
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
                self._replace_segments(doc_id, document.segments)
        return doc_id

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
        }
