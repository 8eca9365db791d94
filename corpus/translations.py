"""Storage of twins (a Chinese briefing and its English translation) and of their aligned turns.

Plain rows in, plain rows out; how twins are found and turns aligned is
`analysis.alignment`'s business.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from .schema import OWN_KINDS
from .store import Corpus, sha256_hex


def twin_candidates(corpus: Corpus) -> tuple[list[dict], list[dict]]:
    """(English, Chinese) briefings that may be twins: parsed documents of one ministry's sources in each language."""
    query = """
        SELECT d.id, d.date, d.kind, d.title, d.language FROM documents d JOIN sources s ON s.name = d.source
        WHERE d.parse_status = 'ok' AND d.language = ? AND s.ministry IN (
            SELECT ministry FROM sources WHERE language = 'zh' INTERSECT SELECT ministry FROM sources WHERE language = 'en')
        ORDER BY d.date, d.id"""
    english = list(corpus.db.query(query, ["en"]))
    chinese = list(corpus.db.query(query, ["zh"]))
    return english, chinese


def document_texts(corpus: Corpus, document_ids: Sequence[str]) -> dict[str, list[dict]]:
    """Each document's segments (id, kind, text), in page order."""
    out: dict[str, list[dict]] = {document_id: [] for document_id in document_ids}
    for start in range(0, len(document_ids), 500):
        chunk = list(document_ids[start : start + 500])
        for row in corpus.db.query(
            f"""SELECT id, document_id, kind, text FROM segments WHERE document_id IN ({','.join('?' * len(chunk))})
                ORDER BY document_id, position""",
            chunk,
        ):
            out[row.pop("document_id")].append(row)
    return out


def alignment_input(zh_segments: Iterable[dict], en_segments: Iterable[dict], version: str) -> str:
    """What an alignment depends on: both briefings' turns (their ids follow their text) and the method."""
    return sha256_hex("\x1f".join([version, *(s["id"] for s in zh_segments), "|", *(s["id"] for s in en_segments)]))


def candidates_fingerprint(corpus: Corpus, document_ids: Sequence[str], version: str) -> str:
    """A hash of every candidate briefing's turns (segment ids follow the text): unchanged, nothing to link again."""
    digest = [version]
    for start in range(0, len(document_ids), 500):
        chunk = list(document_ids[start : start + 500])
        digest += [row[0] for row in corpus.db.execute(
            f"SELECT id FROM segments WHERE document_id IN ({','.join('?' * len(chunk))}) ORDER BY document_id, position",
            chunk)]
    return sha256_hex("\x1f".join([*document_ids, *digest]))


def linked_from(corpus: Corpus) -> str | None:
    row = corpus.db.execute("SELECT value FROM alignment_state WHERE key = 'candidates'").fetchone()
    return row[0] if row else None


def mark_linked(corpus: Corpus, fingerprint: str) -> None:
    with corpus.db.atomic():
        corpus.db.execute("INSERT OR REPLACE INTO alignment_state (key, value) VALUES ('candidates', ?)", [fingerprint])


def stored_twins(corpus: Corpus) -> dict[str, dict]:
    return {row["zh_document_id"]: row for row in corpus.db.query("SELECT * FROM twins")}


def store_twins(corpus: Corpus, twins: Sequence[dict]) -> None:
    """Replace the twin links, keeping the alignments of links that did not change."""
    with corpus.db.atomic():
        current = stored_twins(corpus)
        wanted = {twin["zh_document_id"]: twin for twin in twins}
        for zh_id, row in current.items():
            if zh_id not in wanted or wanted[zh_id]["en_document_id"] != row["en_document_id"]:
                corpus.db.execute("DELETE FROM translations WHERE zh_document_id = ?", [zh_id])
                corpus.db.execute("DELETE FROM twins WHERE zh_document_id = ?", [zh_id])
        for zh_id, twin in wanted.items():
            if zh_id in current and current[zh_id]["en_document_id"] == twin["en_document_id"]:
                corpus.db.execute("UPDATE twins SET score = ?, method = ? WHERE zh_document_id = ?",
                                  [twin["score"], twin["method"], zh_id])
            else:
                corpus.db.execute(
                    "INSERT INTO twins (zh_document_id, en_document_id, score, method) VALUES (?, ?, ?, ?)",
                    [zh_id, twin["en_document_id"], twin["score"], twin["method"]],
                )


def store_alignment(corpus: Corpus, zh_document_id: str, rows: Sequence[dict], input_sha256: str) -> None:
    """Replace one twin's aligned turns, all or nothing. Each row: zh_segment_id, en_segment_id, kind, score, method, anchors."""
    with corpus.db.atomic():
        corpus.db.execute("DELETE FROM translations WHERE zh_document_id = ?", [zh_document_id])
        corpus.db.conn.executemany(
            """INSERT INTO translations (zh_document_id, zh_segment_id, en_segment_id, kind, score, method, anchors)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [(zh_document_id, r["zh_segment_id"], r["en_segment_id"], r["kind"], r["score"], r["method"],
              json.dumps(list(r["anchors"]), ensure_ascii=False)) for r in rows],
        )
        aligned = sum(1 for r in rows if r["method"] != "unaligned")
        corpus.db.execute(
            "UPDATE twins SET input_sha256 = ?, aligned = ?, unaligned_zh = ?, unaligned_en = ? WHERE zh_document_id = ?",
            [input_sha256, aligned, sum(1 for r in rows if r["method"] == "unaligned" and r["zh_segment_id"]),
             sum(1 for r in rows if r["method"] == "unaligned" and r["en_segment_id"]), zh_document_id],
        )


def transfer_stances(corpus: Corpus) -> int:
    """Give each aligned Chinese answer or statement the stances of its English twin, for the
    actors the Chinese reading found.

    The stance model reads English; a Chinese turn says what its translation says, so its
    stance toward an actor is the twin's toward the same actor (method says so). Questions
    have no stance in either language: their attitude is the journalist's. Replaces every
    such row; returns how many were written.
    """
    with corpus.db.atomic():
        corpus.db.execute(
            f"""DELETE FROM stances WHERE answer_id IN (
                   SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id
                   WHERE d.language = 'zh' AND s.kind IN {OWN_KINDS!r})"""
        )
        cursor = corpus.db.execute(
            f"""INSERT INTO stances (answer_id, actor_id, label, score, confidence, p_support, p_oppose, p_neutral,
                                    evidence, embedding_model, method)
               SELECT t.zh_segment_id, st.actor_id, st.label, st.score, st.confidence, st.p_support, st.p_oppose,
                      st.p_neutral, st.evidence, st.embedding_model, 'from the English twin ' || t.en_segment_id || ': ' || st.method
               FROM translations t
               JOIN stances st ON st.answer_id = t.en_segment_id
               WHERE t.kind IN {OWN_KINDS!r} AND t.zh_segment_id IS NOT NULL AND st.actor_id IN (
                   SELECT actor_id FROM actor_references WHERE segment_id = t.zh_segment_id
                   UNION SELECT actor_id FROM avoidance WHERE answer_id = t.zh_segment_id)"""
        )
        return cursor.rowcount


def alignment_figures(corpus: Corpus) -> dict:
    """Twins, aligned turns and coverage, for `communique align` and the README."""
    # English briefings of the ministries that have a Chinese source: other ministries' have no twin to find
    english = {d["id"] for d in twin_candidates(corpus)[0]}
    linked = sum(row[0] in english for row in corpus.db.execute("SELECT en_document_id FROM twins"))
    english = len(english)
    rows = dict(corpus.db.execute("SELECT method, count(*) FROM translations GROUP BY method").fetchall())
    by_kind = dict(corpus.db.execute(
        "SELECT kind, count(*) FROM translations WHERE method != 'unaligned' GROUP BY kind").fetchall())
    return {"english_briefings": english, "linked": linked, "twins": corpus.db.execute("SELECT count(*) FROM twins").fetchone()[0],
            "methods": rows, "aligned_by_kind": by_kind}
