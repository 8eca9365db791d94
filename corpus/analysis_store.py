"""Storage of what analysis computes: cached vectors, the actor registry, references, avoidance.

Plain rows in, plain rows out: the corpus knows nothing of how they are computed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from .store import Corpus


class CorpusVectorCache:
    """Vectors stored as float32 blobs in the corpus, keyed by (model, text sha256)."""

    def __init__(self, corpus: Corpus):
        self.db = corpus.db

    def _rows(self, columns: str, model: str, hashes: Sequence[str]) -> Iterator[tuple]:
        """`columns` of the stored rows of `model` among `hashes`, 500 hashes to a query."""
        for start in range(0, len(hashes), 500):
            chunk = list(hashes[start : start + 500])
            yield from self.db.execute(
                f"SELECT {columns} FROM embeddings WHERE model = ? AND text_sha256 IN ({','.join('?' * len(chunk))})",
                [model, *chunk],
            )

    def get_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        return {text_sha: np.frombuffer(blob, dtype=np.float32)
                for text_sha, blob in self._rows("text_sha256, vector", model, hashes)}

    def embedded(self, model: str, hashes: Sequence[str]) -> set[str]:
        """Which of `hashes` have a vector of `model`, without reading the vectors."""
        return {text_sha for (text_sha,) in self._rows("text_sha256", model, hashes)}

    def put_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self.db.atomic():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model, text_sha256, dim, vector) VALUES (?, ?, ?, ?)",
                [(model, h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()],
            )


def _not_in_languages(skip: Sequence[str]) -> str:
    """A condition on segments leaving out those of documents in the `skip` languages."""
    if not skip:
        return ""
    return (" AND segments.document_id NOT IN (SELECT id FROM documents WHERE language IN "
            f"({','.join(repr(str(language)) for language in skip)}))")


def texts_missing_vectors(corpus: Corpus, model: str, batch: int = 256,
                          skip_languages: Sequence[str] = ()) -> Iterator[list[tuple[str, str]]]:
    """(text sha256, text) of segments with no vector for `model`, in batches, streamed.

    Batches walk the text hashes in order (an index serves it), so memory stays flat and
    each batch costs the same whatever the size of the corpus. Segments of documents in
    `skip_languages` are left out (a model that does not read them).
    """
    query = f"""
        SELECT text_sha256, min(text) FROM segments
        WHERE text_sha256 > ? AND NOT EXISTS
            (SELECT 1 FROM embeddings e WHERE e.model = ? AND e.text_sha256 = segments.text_sha256)
            {_not_in_languages(skip_languages)}
        GROUP BY text_sha256 ORDER BY text_sha256 LIMIT ?"""
    after = ""
    while True:
        rows = corpus.db.execute(query, [after, model, batch]).fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def count_texts_missing_vectors(corpus: Corpus, model: str, skip_languages: Sequence[str] = ()) -> int:
    return corpus.db.execute(
        f"""SELECT count(DISTINCT text_sha256) FROM segments WHERE NOT EXISTS
           (SELECT 1 FROM embeddings e WHERE e.model = ? AND e.text_sha256 = segments.text_sha256)
           {_not_in_languages(skip_languages)}""",
        [model],
    ).fetchone()[0]


def store_actors(corpus: Corpus, actors: list[dict]) -> None:
    with corpus.db.atomic():
        corpus.db["actors"].upsert_all(actors, pk="id")


class SegmentBatches:
    """Batches of segments whose analysis is missing or was made from other text, registry or models.

    Each row carries its question's text (for answers) and, for a statement of a page without
    questions, `page_text`: the page's other statements (a page is a document's URL without
    its fragment, so the rows one imported file took from one page are one page again);
    `input_hash(row)` says what the analysis depends on, to compare with what it was
    computed from. The ids to redo are listed when this is made, so that `total` is known
    before the first batch (for a progress bar with an end) and writing results never
    disturbs the reading.
    """

    _select = """SELECT s.id, s.kind, s.text, s.reply_to, q.text AS question_text, src.country,
                        d.date, d.title, s.document_id, d.language,
                        st.input_sha256, st.analysis_version
                 FROM segments s
                 JOIN documents d ON d.id = s.document_id
                 JOIN sources src ON src.name = d.source
                 LEFT JOIN segments q ON q.id = s.reply_to
                 LEFT JOIN analysis_state st ON st.segment_id = s.id"""

    def __init__(self, corpus: Corpus, analysis_version: str | Mapping[str, str], input_hash, batch: int = 500):
        self.corpus, self.batch = corpus, batch
        self.page_texts = page_texts(corpus)
        cursor = corpus.db.execute(self._select + " ORDER BY s.document_id, s.position")
        self.columns = [d[0] for d in cursor.description]
        self.stale = []
        # one version for every segment, or one per language (the reading differs by language)
        versions = analysis_version if isinstance(analysis_version, Mapping) else {}
        for values in cursor:
            row = dict(zip(self.columns, values))
            row["page_text"] = self.page_texts.get(row["id"])
            wanted = versions.get(row["language"], versions.get("en")) if versions else analysis_version
            if row["input_sha256"] != input_hash(row) or row["analysis_version"] != wanted:
                self.stale.append(row["id"])

    @property
    def total(self) -> int:
        return len(self.stale)

    def __iter__(self) -> Iterator[list[dict]]:
        for start in range(0, len(self.stale), self.batch):
            ids = self.stale[start : start + self.batch]
            cursor = self.corpus.db.execute(self._select + f" WHERE s.id IN ({','.join('?' * len(ids))})", ids)
            rows = [dict(zip(self.columns, values)) for values in cursor]
            for row in rows:
                row["page_text"] = self.page_texts.get(row["id"])
            yield rows


# A document's page: its URL without the fragment, which an imported row's URL adds to its page's.
_PAGE = "CASE WHEN instr(d.url, '#') > 0 THEN substr(d.url, 1, instr(d.url, '#') - 1) ELSE d.url END"


def page_texts(corpus: Corpus) -> dict[int, str]:
    """segment id -> the other statements of its page, for the statements of pages without questions
    that hold more than one (only those texts are read: a briefing's page has questions)."""
    rows = corpus.db.execute(
        f"""WITH pages AS (SELECT d.id AS document_id, {_PAGE} AS page FROM documents d),
                 shared AS (SELECT p.page FROM segments s JOIN pages p ON p.document_id = s.document_id
                            GROUP BY p.page
                            HAVING sum(s.kind = 'question') = 0 AND sum(s.kind = 'statement') > 1)
            SELECT s.id, p.page, s.text FROM segments s JOIN pages p ON p.document_id = s.document_id
            WHERE s.kind = 'statement' AND p.page IN (SELECT page FROM shared)
            ORDER BY p.page, s.document_id, s.position""").fetchall()
    by_page: dict[str, list[tuple[int, str]]] = {}
    for segment_id, page, text in rows:
        by_page.setdefault(page, []).append((segment_id, text))
    return {segment_id: "\n\n".join(other for other_id, other in statements if other_id != segment_id)
            for statements in by_page.values() for segment_id, _ in statements}


def segments_to_analyze(corpus: Corpus, analysis_version: str | Mapping[str, str], input_hash,
                        batch: int = 500) -> SegmentBatches:
    """The stale segments in batches, their count known up front (see SegmentBatches)."""
    return SegmentBatches(corpus, analysis_version, input_hash, batch)


def store_analysis(corpus: Corpus, results: list[dict], analysis_version: str) -> None:
    """Replace the references, avoidance and stance rows of the given segments, in one transaction.

    Each result: {"segment_id", "input_sha256", "references": [...], "avoidance": [...], "stances": [...]}.
    """
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    db = corpus.db
    with db.atomic():
        for result in results:
            segment_id = result["segment_id"]
            for table, key in (("actor_references", "segment_id"), ("reference_forms", "segment_id"),
                               ("avoidance", "answer_id"), ("stances", "answer_id")):
                db.execute(f"DELETE FROM {table} WHERE {key} = ?", [segment_id])
            for ref in result["references"]:
                db.execute(
                    """INSERT INTO actor_references (segment_id, actor_id, class, title, forms, form_count, method, score)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    [segment_id, ref["actor_id"], ref["class"], ref["title"],
                     json.dumps([f["form"] for f in ref["forms"]], ensure_ascii=False), len(ref["forms"]),
                     ref["method"], ref["score"]],
                )
                db.conn.executemany(
                    """INSERT OR IGNORE INTO reference_forms (segment_id, actor_id, start, end, form, class, title)
                       VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    [(segment_id, ref["actor_id"], f["start"], f["end"], f["form"], f["class"], f["title"])
                     for f in ref["forms"]],
                )
            db.conn.executemany(
                """INSERT INTO avoidance (answer_id, actor_id, question_id, in_question, in_answer, avoided)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(segment_id, a["actor_id"], a["question_id"], a["in_question"], a["in_answer"], int(a["avoided"]))
                 for a in result["avoidance"]],
            )
            db.conn.executemany(
                """INSERT INTO stances (answer_id, actor_id, label, score, confidence, p_support, p_oppose,
                                        p_neutral, evidence, embedding_model, method)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [(segment_id, st["actor_id"], st["label"], st["score"], st["confidence"], st["p_support"],
                  st["p_oppose"], st["p_neutral"], json.dumps(st["evidence"], ensure_ascii=False),
                  st["embedding_model"], st["method"]) for st in result.get("stances", [])],
            )
            db.execute(
                """INSERT OR REPLACE INTO analysis_state (segment_id, input_sha256, analysis_version, analyzed_at)
                   VALUES (?, ?, ?, ?)""",
                [segment_id, result["input_sha256"], analysis_version, now],
            )


def actor_answer_records(
    corpus: Corpus,
    actor_id: str,
    sources: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> list[dict]:
    """Every answer whose question or answer refers to the actor, with how, and its stance.

    One row per answer: date, source and ministry, spokesperson, URL, the question's and
    the answer's reference class (absent when only the other text refers), avoided, the
    stance, the answer's forms and titles for the actor, and the texts.
    """
    where, params = ["d.date IS NOT NULL"], [actor_id, actor_id, actor_id, actor_id, actor_id]
    if sources:
        where.append(f"d.source IN ({','.join('?' * len(sources))})")
        params += list(sources)
    if since:
        where.append("d.date >= ?")
        params.append(since)
    if until:
        where.append("d.date <= ?")
        params.append(until)
    rows = corpus.db.execute(
        f"""
        WITH involved AS (
            SELECT answer_id AS id FROM avoidance WHERE actor_id = ?
            UNION SELECT segment_id FROM actor_references WHERE actor_id = ?
        )
        SELECT a.id AS answer_id, d.date, d.source, src.ministry, d.spokesperson, d.url, d.title,
               q.text AS question, a.text AS answer,
               coalesce(av.in_question, 'absent') AS in_question,
               coalesce(ar.class, 'absent') AS in_answer,
               coalesce(av.avoided, 0) AS avoided,
               ar.forms AS forms, ar.title AS title,
               st.label AS stance, st.score AS stance_score, st.evidence AS evidence
        FROM involved
        JOIN segments a ON a.id = involved.id AND a.kind = 'answer'
        JOIN documents d ON d.id = a.document_id
        JOIN sources src ON src.name = d.source
        LEFT JOIN segments q ON q.id = a.reply_to
        LEFT JOIN avoidance av ON av.answer_id = a.id AND av.actor_id = ?
        LEFT JOIN actor_references ar ON ar.segment_id = a.id AND ar.actor_id = ?
        LEFT JOIN stances st ON st.answer_id = a.id AND st.actor_id = ?
        WHERE {' AND '.join(where)}
        ORDER BY d.date, d.source, a.position
        """,
        params,
    )
    columns = [d[0] for d in rows.description]
    records = []
    for values in rows:
        record = dict(zip(columns, values))
        record["forms"] = json.loads(record["forms"]) if record["forms"] else []
        record["evidence"] = json.loads(record["evidence"]) if record["evidence"] else []
        record["avoided"] = bool(record["avoided"])
        records.append(record)
    return records


def titles_of(corpus: Corpus, answer_ids: Sequence[str], actor_id: str) -> dict[str, list[str]]:
    """Titles used with the actor's name, per answer."""
    titles: dict[str, list[str]] = {}
    for start in range(0, len(answer_ids), 500):
        chunk = list(answer_ids[start : start + 500])
        for segment_id, title in corpus.db.execute(
            f"""SELECT segment_id, title FROM reference_forms WHERE actor_id = ? AND title IS NOT NULL
                AND segment_id IN ({','.join('?' * len(chunk))}) ORDER BY segment_id, start""",
            [actor_id, *chunk],
        ):
            titles.setdefault(segment_id, []).append(title)
    return titles


def corpus_provenance(corpus: Corpus) -> dict:
    """What a reader of an export needs to know about the corpus it came from."""
    first, last, documents = corpus.db.execute(
        "SELECT min(date), max(date), count(*) FROM documents WHERE date IS NOT NULL"
    ).fetchone()
    versions = [row[0] for row in corpus.db.execute("SELECT DISTINCT analysis_version FROM analysis_state")]
    models = [row[0] for row in corpus.db.execute("SELECT DISTINCT embedding_model FROM stances")]
    return {
        "corpus": str(corpus.path),
        "corpus_date_range": [first, last],
        "corpus_documents": documents,
        "analysis_versions": versions,
        "embedding_models": models,
    }
