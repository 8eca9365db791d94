"""Semantic search over answers: brute force over float32 vectors with numpy.

No separate index to go stale: the matrix is the corpus' own cached vectors, reloaded
whenever the corpus file changed (its size or modification time, or its WAL's) and the
set of embedded answers differs. A million 384-dimension vectors are 1.5 GB in memory and
one matrix-vector product: tens of milliseconds on two cores.

Loading the model and the vectors takes seconds to minutes, so `SemanticService` does it
in a background thread as soon as the server starts, and says how far it got until then.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass

import numpy as np


@dataclass
class Hit:
    segment_id: str
    score: float


def corpus_model(conn: sqlite3.Connection) -> str | None:
    """The embedding model of the corpus' answers (the most used one)."""
    row = conn.execute("SELECT model FROM embeddings GROUP BY model ORDER BY count(*) DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _file_signature(path: str) -> tuple:
    parts = []
    for name in (path, path + "-wal"):
        try:
            stat = os.stat(name)
            parts.append((stat.st_size, stat.st_mtime_ns))
        except FileNotFoundError:
            parts.append(None)
    return tuple(parts)


class SemanticIndex:
    def __init__(self, db_path: str, model: str):
        self.db_path = db_path
        self.model = model
        self.ids: list[str] = []
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self._file_signature = None
        self._content_signature = None
        self._lock = threading.Lock()

    def _content(self, conn: sqlite3.Connection) -> tuple:
        return conn.execute(
            """SELECT count(*), max(s.rowid) FROM segments s
               JOIN embeddings e ON e.model = ? AND e.text_sha256 = s.text_sha256 WHERE s.kind = 'answer'""",
            [self.model],
        ).fetchone()

    def refresh(self, conn: sqlite3.Connection) -> bool:
        """Reload the vectors if the corpus changed since the last load; True if it did."""
        with self._lock:
            signature = _file_signature(self.db_path)
            if signature == self._file_signature and self.ids:
                return False
            content = self._content(conn)
            self._file_signature = signature
            if content == self._content_signature:
                return False
            ids, vectors = [], []
            for segment_id, blob in conn.execute(
                """SELECT s.id, e.vector FROM segments s
                   JOIN embeddings e ON e.model = ? AND e.text_sha256 = s.text_sha256
                   WHERE s.kind = 'answer' ORDER BY s.rowid""",
                [self.model],
            ):
                ids.append(segment_id)
                vectors.append(np.frombuffer(blob, dtype=np.float32))
            self.ids = ids
            self.matrix = np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
            norms = np.linalg.norm(self.matrix, axis=1, keepdims=True) if vectors else None
            if norms is not None and not np.allclose(norms, 1.0, atol=1e-3):
                self.matrix = self.matrix / np.maximum(norms, 1e-12)
            self._content_signature = content
            return True

    def answer_vector_count(self, conn: sqlite3.Connection) -> int:
        return self._content(conn)[0]

    def search(self, vector: np.ndarray, k: int = 20) -> list[Hit]:
        if not self.ids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        scores = self.matrix @ query
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [Hit(self.ids[i], float(scores[i])) for i in top]


def read_only_connection(db_path: str) -> sqlite3.Connection:
    uri = "file:" + os.path.abspath(db_path) + "?mode=ro"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


class SemanticService:
    """The embedding model and the answer vectors of one corpus, loaded in the background.

    `start()` returns at once; `status()` says what is loading, with counts, until
    `ready`; then `index` ranks answers by a `query_vector`.
    """

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.model: str | None = None
        self.index: SemanticIndex | None = None
        self.embedder = None
        self.error: str | None = None
        self.phase = "waiting to start"
        self.started_at: float | None = None
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> SemanticService:
        with self._lock:
            if self._thread is None:
                self.started_at = time.monotonic()
                self._thread = threading.Thread(target=self._load, name="communique-semantic-load", daemon=True)
                self._thread.start()
        return self

    def _load(self) -> None:
        from analysis.embeddings import Embedder, EmbeddingSettings

        try:
            conn = read_only_connection(self.db_path)
            try:
                self.model = corpus_model(conn)
                if self.model is None:
                    self.phase = "no embeddings"
                    return
                index = SemanticIndex(self.db_path, self.model)
                self.phase = f"loading the model {self.model}"
                embedder = Embedder(EmbeddingSettings(model=self.model))
                embedder.encode(["warm up"])  # loads the weights now rather than on the first query
                self.phase = f"loading {index.answer_vector_count(conn):,} answer vectors"
                index.refresh(conn)
                self.index, self.embedder = index, embedder
                self.phase = "ready"
            finally:
                conn.close()
        except Exception as error:  # shown on the page rather than lost in a thread
            self.error = f"semantic search could not load: {error}"
            self.phase = "failed"
        finally:
            self.ready.set()

    def status(self) -> dict:
        waited = time.monotonic() - self.started_at if self.started_at is not None else 0.0
        return {"ready": self.ready.is_set(), "phase": self.phase, "error": self.error, "model": self.model,
                "seconds": round(waited)}

    def query_vector(self, text: str) -> np.ndarray:
        return self.embedder.encode([text])[0]


_services: dict[str, SemanticService] = {}
_services_lock = threading.Lock()


def semantic_service(db_path: str) -> SemanticService:
    """The one service of a corpus file in this process, loading started (`serve` starts it before listening)."""
    key = os.path.abspath(db_path)
    with _services_lock:
        if key not in _services:
            _services[key] = SemanticService(key)
    return _services[key].start()
