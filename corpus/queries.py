"""Reads for the pages and exports: every query that shows the corpus to a reader, named once.

Functions take a plain sqlite3 connection (Datasette's read-only one, or a Corpus'
`db.conn`) and return plain dicts. Nothing here writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from .limits import MAX_TURN_CHARS
from .schema import OWN_KINDS

SEARCH_ORDERS = {"relevance": "rank", "newest": "d.date DESC, s.position", "oldest": "d.date ASC, s.position"}

# Every (answer, actor) the question or the answer refers to: the unit of the naming tables.
_ANSWER_ACTOR_PAIRS = """
    SELECT answer_id, actor_id FROM avoidance
    UNION SELECT r.segment_id, r.actor_id FROM actor_references r
          JOIN segments s ON s.id = r.segment_id AND s.kind = 'answer'"""


def rows(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    cursor = conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values)) for values in cursor.fetchall()]


def _placeholders(values: Sequence) -> str:
    return ",".join("?" * len(values))


# Sources and years --------------------------------------------------------------------


def sources(conn: sqlite3.Connection) -> dict[str, str]:
    """Source name -> ministry, in name order."""
    return dict(conn.execute("SELECT name, ministry FROM sources ORDER BY name").fetchall())


def years(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT DISTINCT substr(date, 1, 4) FROM documents WHERE date IS NOT NULL ORDER BY 1")]


# Full-text search ---------------------------------------------------------------------


def search_turns(conn: sqlite3.Connection, fts: str, limit: int = 20, offset: int = 0, *,
                 kind: str | None = None, source: str | None = None, year: str | None = None,
                 order: str = "relevance", snippet_marks: tuple[str, str] = ("[", "]"),
                 language: str | None = None) -> tuple[int, list[dict]]:
    """(matching turns, one page of hits) for an FTS5 query, filtered and ordered.

    `fts` is already an FTS5 query (see communique.pages.fts_query): user words never reach
    this function unquoted. Each hit's `highlighted` is its turn with every match between
    `snippet_marks`, for the caller to cut a snippet from: highlight() costs time in
    proportion to the turn, which corpus.limits caps, where FTS5's snippet() costs time in
    the square of the turn's matches (seconds for a few thousand). A turn stored before
    that cap comes unmarked, cut to its start.
    """
    where, params = ["segments_fts MATCH ?"], [fts]
    for clause, value in (("s.kind = ?", kind), ("d.source = ?", source), ("substr(d.date, 1, 4) = ?", year),
                          ("d.language = ?", language)):
        if value:
            where.append(clause)
            params.append(value)
    joins = """FROM segments_fts
               JOIN segments s ON s.rowid = segments_fts.rowid
               JOIN documents d ON d.id = s.document_id
               JOIN sources src ON src.name = d.source"""
    condition = " AND ".join(where)
    total = conn.execute(f"SELECT count(*) {joins} WHERE {condition}", params).fetchone()[0]
    start, end = snippet_marks
    hits = rows(
        conn,
        f"""SELECT s.id, s.kind, s.speaker, d.date, d.spokesperson, d.source, src.ministry, d.url, d.title,
                   d.language, CASE WHEN length(s.text) <= {MAX_TURN_CHARS} THEN highlight(segments_fts, 0, ?, ?)
                        ELSE substr(s.text, 1, 400) END AS highlighted
            {joins} WHERE {condition}
            ORDER BY {SEARCH_ORDERS[order]} LIMIT ? OFFSET ?""",
        [start, end, *params, limit, offset],
    )
    return total, hits


def search_chinese_turns(conn: sqlite3.Connection, terms: Sequence[str], limit: int = 20, offset: int = 0, *,
                         kind: str | None = None, source: str | None = None, year: str | None = None,
                         order: str = "relevance", snippet_marks: tuple[str, str] = ("[", "]")) -> tuple[int, list[dict]]:
    """(matching turns, one page of hits) of Chinese turns holding every term, as substrings.

    Terms of three characters or more go through the trigram index (`segments_fts_zh`),
    ranked; a shorter term (美方, 中方) has no trigram, so such a query scans the Chinese
    turns. Either way the snippet is cut here, around the first term, in one pass: FTS5's
    snippet() takes time in the square of a turn's matches (see search_turns).
    """
    if not terms:
        return 0, []
    start, end = snippet_marks
    filters, params = ["d.language = 'zh'"], []
    for clause, value in (("s.kind = ?", kind), ("d.source = ?", source), ("substr(d.date, 1, 4) = ?", year)):
        if value:
            filters.append(clause)
            params.append(value)
    columns = "s.id, s.kind, s.speaker, d.date, d.spokesperson, d.source, src.ministry, d.url, d.title, d.language"
    if all(len(term) >= 3 for term in terms):
        fts = " ".join('"' + term.replace('"', "") + '"' for term in terms)
        joins = """FROM segments_fts_zh JOIN segments s ON s.rowid = segments_fts_zh.rowid
                   JOIN documents d ON d.id = s.document_id JOIN sources src ON src.name = d.source"""
        condition = " AND ".join(["segments_fts_zh MATCH ?", *filters])
        total = conn.execute(f"SELECT count(*) {joins} WHERE {condition}", [fts, *params]).fetchone()[0]
        hits = rows(conn, f"""SELECT {columns}, s.text {joins} WHERE {condition}
                              ORDER BY {SEARCH_ORDERS[order]} LIMIT ? OFFSET ?""",
                    [fts, *params, limit, offset])
    else:
        joins = "FROM segments s JOIN documents d ON d.id = s.document_id JOIN sources src ON src.name = d.source"
        likes = ["instr(s.text, ?) > 0" for _ in terms]
        condition = " AND ".join([*likes, *filters])
        total = conn.execute(f"SELECT count(*) {joins} WHERE {condition}", [*terms, *params]).fetchone()[0]
        by = SEARCH_ORDERS[order] if order != "relevance" else "d.date DESC, s.position"
        hits = rows(conn, f"SELECT {columns}, s.text {joins} WHERE {condition} ORDER BY {by} LIMIT ? OFFSET ?",
                    [*terms, *params, limit, offset])
    for hit in hits:
        hit["snippet"] = _snippet(hit.pop("text"), terms, start, end)
    return total, hits


def _snippet(text: str, terms: Sequence[str], start: str, end: str, width: int = 40) -> str:
    """A window of `text` around the first term, every term marked, as FTS5's snippet() gives."""
    first = min((text.find(t) for t in terms if t in text), default=0)
    left, right = max(0, first - width), min(len(text), first + width)
    window = text[left:right]
    for term in sorted(set(terms), key=len, reverse=True):
        window = window.replace(term, f"{start}{term}{end}")
    return ("…" if left else "") + window + ("…" if right < len(text) else "")


def search_languages(conn: sqlite3.Connection, fts: str | None = None, terms: Sequence[str] = ()) -> dict[str, int]:
    """Matching turns per language: of an FTS5 query over every turn, or of Chinese terms over the Chinese turns."""
    if terms:
        return {"zh": search_chinese_turns(conn, terms, limit=0)[0]}
    return dict(conn.execute(
        """SELECT d.language, count(*) FROM segments_fts JOIN segments s ON s.rowid = segments_fts.rowid
           JOIN documents d ON d.id = s.document_id WHERE segments_fts MATCH ? GROUP BY d.language ORDER BY 1""",
        [fts]).fetchall())


def turn_languages(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT DISTINCT language FROM documents ORDER BY 1")]


# Turns, answers and briefings ---------------------------------------------------------


def turn(conn: sqlite3.Connection, segment_id: str) -> dict | None:
    """A segment with its briefing's provenance, or None."""
    found = rows(
        conn,
        """SELECT s.*, d.title, d.date, d.date_inferred, d.spokesperson, d.url, d.source, src.ministry
           FROM segments s JOIN documents d ON d.id = s.document_id JOIN sources src ON src.name = d.source
           WHERE s.id = ?""",
        [segment_id],
    )
    return found[0] if found else None


def segment(conn: sqlite3.Connection, segment_id: str) -> dict | None:
    found = rows(conn, "SELECT * FROM segments WHERE id = ?", [segment_id])
    return found[0] if found else None


def answers_to(conn: sqlite3.Connection, question_id: str) -> list[dict]:
    return rows(conn, "SELECT * FROM segments WHERE reply_to = ? AND kind = 'answer' ORDER BY position",
                [question_id])


def neighbours(conn: sqlite3.Connection, document_id: str, position: int) -> dict[int, dict]:
    """The turns just before and after a position, by position."""
    found = rows(conn, "SELECT id, position, kind FROM segments WHERE document_id = ? AND position IN (?, ?)",
                 [document_id, position - 1, position + 1])
    return {n["position"]: n for n in found}


def reference_forms(conn: sqlite3.Connection, segment_ids: Sequence[str]) -> dict[str, list[dict]]:
    """Every reference form of the segments, by segment, in text order."""
    by_segment: dict[str, list[dict]] = {segment_id: [] for segment_id in segment_ids}
    for start in range(0, len(segment_ids), 500):
        chunk = list(segment_ids[start : start + 500])
        for form in rows(
            conn,
            f"""SELECT segment_id, start, end, class, title, form, actor_id AS actor FROM reference_forms
                WHERE segment_id IN ({_placeholders(chunk)}) ORDER BY segment_id, start""",
            chunk,
        ):
            by_segment[form.pop("segment_id")].append(form)
    return by_segment


def answer_naming(conn: sqlite3.Connection, answer_id: str) -> list[dict]:
    """Per actor the question or the answer refers to: how each names it, avoided, stance and evidence."""
    naming = rows(
        conn,
        """SELECT pairs.actor_id AS actor, act.name, coalesce(av.in_question, 'absent') AS in_question,
                  coalesce(ar.class, 'absent') AS in_answer, coalesce(av.avoided, 0) AS avoided,
                  qr.forms AS question_forms, qr.title AS question_title,
                  ar.forms AS answer_forms, ar.title AS answer_title,
                  st.label AS stance, st.score AS stance_score, st.confidence, st.evidence, st.method
           FROM (SELECT actor_id FROM avoidance WHERE answer_id = :id
                 UNION SELECT actor_id FROM actor_references WHERE segment_id = :id) AS pairs
           JOIN segments a ON a.id = :id
           LEFT JOIN actors act ON act.id = pairs.actor_id
           LEFT JOIN avoidance av ON av.answer_id = :id AND av.actor_id = pairs.actor_id
           LEFT JOIN actor_references ar ON ar.segment_id = :id AND ar.actor_id = pairs.actor_id
           LEFT JOIN actor_references qr ON qr.segment_id = a.reply_to AND qr.actor_id = pairs.actor_id
           LEFT JOIN stances st ON st.answer_id = :id AND st.actor_id = pairs.actor_id
           ORDER BY av.avoided DESC, pairs.actor_id""",
        {"id": answer_id},
    )
    for row in naming:
        for key in ("question_forms", "answer_forms", "evidence"):
            row[key] = json.loads(row[key]) if row[key] else []
    return naming


def turn_references(conn: sqlite3.Connection, segment_id: str) -> list[dict]:
    """How one turn (a question or a statement) refers to each actor, in its own words."""
    found = rows(
        conn,
        """SELECT r.actor_id AS actor, act.name, r.class, r.forms, r.title
           FROM actor_references r LEFT JOIN actors act ON act.id = r.actor_id
           WHERE r.segment_id = ? ORDER BY r.class = 'named' DESC, r.actor_id""",
        [segment_id],
    )
    for row in found:
        row["forms"] = json.loads(row["forms"]) if row["forms"] else []
    return found


def briefing(conn: sqlite3.Connection, document_id: str) -> dict | None:
    found = rows(
        conn,
        """SELECT d.*, src.ministry FROM documents d JOIN sources src ON src.name = d.source WHERE d.id = ?""",
        [document_id],
    )
    return found[0] if found else None


def briefing_turns(conn: sqlite3.Connection, document_id: str) -> list[dict]:
    return rows(conn, "SELECT * FROM segments WHERE document_id = ? ORDER BY position", [document_id])


def briefing_neighbours(conn: sqlite3.Connection, document: dict) -> dict[str, dict | None]:
    """The same source's briefings just before and after this one, by date."""
    if not document.get("date"):
        return {"previous": None, "next": None}
    previous = rows(
        conn,
        """SELECT id, date, title FROM documents WHERE source = :source AND parse_status = 'ok'
           AND (date < :date OR (date = :date AND id < :id)) ORDER BY date DESC, id DESC LIMIT 1""",
        {"source": document["source"], "date": document["date"], "id": document["id"]},
    )
    following = rows(
        conn,
        """SELECT id, date, title FROM documents WHERE source = :source AND parse_status = 'ok'
           AND (date > :date OR (date = :date AND id > :id)) ORDER BY date, id LIMIT 1""",
        {"source": document["source"], "date": document["date"], "id": document["id"]},
    )
    return {"previous": previous[0] if previous else None, "next": following[0] if following else None}


def turns_with_provenance(conn: sqlite3.Connection, segment_ids: Sequence[str]) -> dict[str, dict]:
    """Text and provenance of the given turns, by id (for semantic search results)."""
    if not segment_ids:
        return {}
    found = rows(
        conn,
        f"""SELECT s.id, s.kind, s.text, d.date, d.spokesperson, d.url, d.title, src.ministry
            FROM segments s JOIN documents d ON d.id = s.document_id JOIN sources src ON src.name = d.source
            WHERE s.id IN ({_placeholders(segment_ids)})""",
        list(segment_ids),
    )
    return {row["id"]: row for row in found}


# Actors -------------------------------------------------------------------------------


def actors(conn: sqlite3.Connection) -> list[dict]:
    """The corpus' actors table with its name lists split, and how often the corpus refers to each.

    turns: turns (any speaker) that refer to the actor; answers: answers whose question or
    answer refers to it; named: answers that name it; avoided: answers that avoided it.
    """
    found = rows(
        conn,
        f"""WITH pairs AS ({_ANSWER_ACTOR_PAIRS}),
                 answer_counts AS (SELECT actor_id, count(*) AS answers FROM pairs GROUP BY actor_id),
                 turn_counts AS (SELECT actor_id, count(*) AS turns FROM actor_references GROUP BY actor_id),
                 named_counts AS (SELECT r.actor_id, count(*) AS named FROM actor_references r
                                  JOIN segments s ON s.id = r.segment_id AND s.kind = 'answer'
                                  WHERE r.class = 'named' GROUP BY r.actor_id),
                 avoided_counts AS (SELECT actor_id, sum(avoided) AS avoided FROM avoidance GROUP BY actor_id)
            SELECT a.*, coalesce(t.turns, 0) AS turns, coalesce(c.answers, 0) AS answers,
                   coalesce(n.named, 0) AS named, coalesce(v.avoided, 0) AS avoided
            FROM actors a
            LEFT JOIN turn_counts t ON t.actor_id = a.id
            LEFT JOIN answer_counts c ON c.actor_id = a.id
            LEFT JOIN named_counts n ON n.actor_id = a.id
            LEFT JOIN avoided_counts v ON v.actor_id = a.id
            ORDER BY coalesce(c.answers, 0) DESC, a.id""",
    )
    for row in found:
        for key in ("aliases", "roles"):
            row[key] = [part for part in (row.get(key) or "").split("; ") if part]
    return found


def actor_has_references(conn: sqlite3.Connection, actor_id: str) -> bool:
    return conn.execute(
        """SELECT EXISTS (SELECT 1 FROM actor_references WHERE actor_id = :a)
                  OR EXISTS (SELECT 1 FROM avoidance WHERE actor_id = :a)""",
        {"a": actor_id},
    ).fetchone()[0] == 1


# Quotes -------------------------------------------------------------------------------


FTS_TABLES = ("segments_fts", "segments_fts_zh")  # every turn by word; the Chinese turns by trigram


def quote_records(conn: sqlite3.Connection, *, fts: str | None = None, actor: str | None = None,
                  sources: Sequence[str] = (), since: str | None = None, until: str | None = None,
                  fts_table: str = "segments_fts") -> list[dict]:
    """One record per (answer, actor) with provenance, both texts, how each names the actor, and stance.

    With `fts`, the answers whose own text or whose question matches it (`matched_in`
    says which), with every actor of each (or one record with no actor when none is
    referred to); with `actor`, only that actor's records. Dated answers only, in date order.
    """
    if fts is None and actor is None:
        raise ValueError("quote_records needs a full-text query or an actor")
    if fts_table not in FTS_TABLES:
        raise ValueError(f"no full-text index {fts_table!r}: {', '.join(FTS_TABLES)}")
    params: dict = {"fts": fts, "actor": actor}
    if fts is not None:
        selected = f"""
            matches AS (
                SELECT s.id AS answer_id, 1 AS in_answer, 0 AS in_question FROM {fts_table}
                JOIN segments s ON s.rowid = {fts_table}.rowid AND s.kind = 'answer'
                WHERE {fts_table} MATCH :fts
                UNION ALL
                SELECT a.id, 0, 1 FROM {fts_table}
                JOIN segments q ON q.rowid = {fts_table}.rowid AND q.kind = 'question'
                JOIN segments a ON a.reply_to = q.id AND a.kind = 'answer'
                WHERE {fts_table} MATCH :fts
            ),
            selected AS (
                SELECT answer_id, CASE WHEN max(in_answer) AND max(in_question) THEN 'question and answer'
                                       WHEN max(in_answer) THEN 'answer' ELSE 'question' END AS matched_in
                FROM matches GROUP BY answer_id
            )"""
    else:
        selected = f"""selected AS (SELECT DISTINCT answer_id, NULL AS matched_in FROM ({_ANSWER_ACTOR_PAIRS})
                                    WHERE actor_id = :actor)"""
    where = ["d.date IS NOT NULL"]
    if actor is not None:
        where.append("pairs.actor_id = :actor")
    if sources:
        names = {f"source{i}": name for i, name in enumerate(sources)}
        params.update(names)
        where.append(f"d.source IN ({','.join(':' + key for key in names)})")
    where.extend(_between("d.date", "d.date", since, until))
    params.update(since=since, until=until)
    records = rows(
        conn,
        f"""
        WITH {selected}
        SELECT a.id AS answer_id, d.date, d.source, src.ministry, d.language, d.spokesperson, d.url, d.title,
               selected.matched_in, pairs.actor_id AS actor, act.name AS actor_name,
               CASE WHEN pairs.actor_id IS NULL THEN NULL ELSE coalesce(av.in_question, 'absent') END AS in_question,
               CASE WHEN pairs.actor_id IS NULL THEN NULL ELSE coalesce(ar.class, 'absent') END AS in_answer,
               CASE WHEN pairs.actor_id IS NULL THEN NULL ELSE coalesce(av.avoided, 0) END AS avoided,
               qr.forms AS question_forms, qr.title AS question_title,
               ar.forms AS answer_forms, ar.title AS answer_title,
               st.label AS stance, st.score AS stance_score, st.evidence,
               q.text AS question, a.text AS answer
        FROM selected
        JOIN segments a ON a.id = selected.answer_id
        JOIN documents d ON d.id = a.document_id
        JOIN sources src ON src.name = d.source
        LEFT JOIN segments q ON q.id = a.reply_to
        LEFT JOIN ({_ANSWER_ACTOR_PAIRS}) AS pairs ON pairs.answer_id = a.id
        LEFT JOIN actors act ON act.id = pairs.actor_id
        LEFT JOIN avoidance av ON av.answer_id = a.id AND av.actor_id = pairs.actor_id
        LEFT JOIN actor_references ar ON ar.segment_id = a.id AND ar.actor_id = pairs.actor_id
        LEFT JOIN actor_references qr ON qr.segment_id = a.reply_to AND qr.actor_id = pairs.actor_id
        LEFT JOIN stances st ON st.answer_id = a.id AND st.actor_id = pairs.actor_id
        WHERE {' AND '.join(where)}
        ORDER BY d.date, d.source, a.position, pairs.actor_id
        """,
        params,
    )
    for record in records:
        for key in ("question_forms", "answer_forms", "evidence"):
            record[key] = json.loads(record[key]) if record[key] else []
        if record["avoided"] is not None:
            record["avoided"] = bool(record["avoided"])
    return records


# Events and comparisons ---------------------------------------------------------------

# One column per ministry: a foreign ministry is its state's, so every source of a country
# (a crawl, an import of the same ministry's pairs, an embassy's statements) is one
# voice; a source of no known country stands alone.
MINISTRY_KEY = ("CASE WHEN src.country IS NULL OR src.country IN ('', 'XX') "
                "THEN 'source:' || src.name ELSE src.country END")


def ministries(conn: sqlite3.Connection) -> dict[str, dict]:
    """Ministry key -> its name (that of its source with the most documents), country and sources."""
    found: dict[str, dict] = {}
    for row in rows(
        conn,
        f"""SELECT {MINISTRY_KEY} AS key, src.name AS source, src.ministry, src.country,
                   (SELECT count(*) FROM documents d WHERE d.source = src.name) AS documents
            FROM sources src ORDER BY key, documents DESC, src.name""",
    ):
        ministry = found.setdefault(row["key"], {"key": row["key"], "name": row["ministry"],
                                                 "country": row["country"], "sources": []})
        ministry["sources"].append(row["source"])
    return found


def _between(first: str, last: str, since: str | None, until: str | None) -> list[str]:
    """Conditions for rows whose days [first, last] meet [:since, :until] (either bound may be missing)."""
    return ([f"{last} >= :since"] if since else []) + ([f"{first} <= :until"] if until else [])


def compare_records(conn: sqlite3.Connection, actor: str, since: str | None = None, until: str | None = None,
                    event: str | None = None) -> list[dict]:
    """The ministries' own turns about an actor: answers and statements that refer to it, whose question
    does, or that belong to an event about it (a ministry that spoke of the matter and named no one).

    One row per turn, dated, in date order: its ministry key, provenance, text, how the
    question and the turn refer to the actor (absent when only the question or the event
    does; `event_only` when only the event does), avoided, stance and evidence. With
    `event`, only that event's turns.
    """
    where, params = ["d.date IS NOT NULL", *_between("d.date", "d.date", since, until)], {"actor": actor}
    params.update(since=since, until=until)
    if event:
        where.append("s.id IN (SELECT segment_id FROM event_turns WHERE event_id = :event)")
        params["event"] = event
    found = rows(
        conn,
        f"""
        WITH involved AS (
            SELECT segment_id AS id FROM actor_references WHERE actor_id = :actor AND class != 'absent'
            UNION SELECT answer_id FROM avoidance WHERE actor_id = :actor
            UNION SELECT t.segment_id FROM event_turns t JOIN events e ON e.id = t.event_id
                  WHERE EXISTS (SELECT 1 FROM json_each(e.actors) WHERE json_each.value = :actor)
        )
        SELECT s.id AS segment_id, s.kind, s.text, s.reply_to, d.date, d.source, {MINISTRY_KEY} AS ministry,
               src.ministry AS ministry_name, d.spokesperson, d.url, d.title, d.id AS document_id,
               coalesce(av.in_question, 'absent') AS in_question,
               coalesce(ar.class, 'absent') AS in_answer,
               coalesce(av.avoided, 0) AS avoided,
               ar.title, st.label AS stance, st.score AS stance_score, st.evidence,
               av.answer_id IS NULL AND ar.segment_id IS NULL AS event_only
        FROM involved
        JOIN segments s ON s.id = involved.id AND s.kind IN {OWN_KINDS!r}
        JOIN documents d ON d.id = s.document_id
        JOIN sources src ON src.name = d.source
        LEFT JOIN avoidance av ON av.answer_id = s.id AND av.actor_id = :actor
        LEFT JOIN actor_references ar ON ar.segment_id = s.id AND ar.actor_id = :actor
        LEFT JOIN stances st ON st.answer_id = s.id AND st.actor_id = :actor
        WHERE {' AND '.join(where)}
        ORDER BY d.date, d.source, s.position
        """,
        params,
    )
    for row in found:
        row["evidence"] = json.loads(row["evidence"]) if row["evidence"] else []
        row["avoided"] = bool(row["avoided"])
        row["event_only"] = bool(row["event_only"])
    return found


def actor_forms(conn: sqlite3.Connection, actor: str, segment_ids: Sequence[str]) -> dict[str, list[dict]]:
    """The actor's reference forms in each of the turns, in text order."""
    return {segment_id: [f for f in forms if f["actor"] == actor]
            for segment_id, forms in reference_forms(conn, segment_ids).items()}


def events(conn: sqlite3.Connection, since: str | None = None, until: str | None = None,
           actor: str | None = None, limit: int = 200) -> list[dict]:
    """Events overlapping the dates (and referring to the actor), the most ministries first, then by date."""
    where, params = ["1", *_between("e.first_date", "e.last_date", since, until)], {"limit": limit}
    params.update(since=since, until=until)
    if actor:
        where.append("EXISTS (SELECT 1 FROM json_each(e.actors) WHERE json_each.value = :actor)")
        params["actor"] = actor
    found = rows(conn, f"""SELECT * FROM events e WHERE {' AND '.join(where)}
                           ORDER BY e.ministry_count DESC, e.turn_count DESC, e.first_date, e.id LIMIT :limit""",
                 params)
    for row in found:
        for key in ("actors", "terms", "ministries"):
            row[key] = json.loads(row[key])
    return found


def event(conn: sqlite3.Connection, event_id: str) -> dict | None:
    found = rows(conn, "SELECT * FROM events WHERE id = ?", [event_id])
    if not found:
        return None
    row = found[0]
    for key in ("actors", "terms", "ministries"):
        row[key] = json.loads(row[key])
    return row


def event_of_turns(conn: sqlite3.Connection, segment_ids: Sequence[str]) -> dict[str, str]:
    """Turn id -> the id of the event it belongs to, for those that belong to one."""
    if not segment_ids:
        return {}
    return dict(conn.execute(
        f"SELECT segment_id, event_id FROM event_turns WHERE segment_id IN ({_placeholders(segment_ids)})",
        list(segment_ids)).fetchall())


def actor_name(conn: sqlite3.Connection, actor: str) -> str | None:
    found = conn.execute("SELECT name FROM actors WHERE id = ?", [actor]).fetchone()
    return found[0] if found else None


def event_turns(conn: sqlite3.Connection, event_id: str) -> list[dict]:
    """An event's turns with their provenance and opening words, by date, ministry and centrality."""
    return rows(
        conn,
        """SELECT t.segment_id, t.ministry, t.date, t.distance, s.kind, substr(s.text, 1, 300) AS opening,
                  length(s.text) AS length, d.spokesperson, d.url, d.source
           FROM event_turns t JOIN segments s ON s.id = t.segment_id JOIN documents d ON d.id = s.document_id
           WHERE t.event_id = ? ORDER BY t.date, t.ministry, t.distance, t.segment_id""",
        [event_id],
    )


# Translations (issue 11) --------------------------------------------------------------

_DIVERGENCES = """
    WITH refs AS (
        SELECT t.id, t.kind, t.zh_segment_id, t.en_segment_id, r.actor_id FROM translations t
        JOIN actor_references r ON r.segment_id = t.zh_segment_id WHERE t.method != 'unaligned'
        UNION
        SELECT t.id, t.kind, t.zh_segment_id, t.en_segment_id, r.actor_id FROM translations t
        JOIN actor_references r ON r.segment_id = t.en_segment_id WHERE t.method != 'unaligned'
    )
    SELECT d.date, refs.kind, refs.actor_id AS actor, act.name AS actor_name,
           coalesce(er.class, 'absent') AS en_class, er.forms AS en_forms,
           coalesce(zr.class, 'absent') AS zh_class, zr.forms AS zh_forms,
           refs.en_segment_id, refs.zh_segment_id, en.text AS en_text, zh.text AS zh_text
    FROM refs
    JOIN segments zh ON zh.id = refs.zh_segment_id
    JOIN segments en ON en.id = refs.en_segment_id
    JOIN documents d ON d.id = zh.document_id
    LEFT JOIN actors act ON act.id = refs.actor_id
    LEFT JOIN actor_references zr ON zr.segment_id = refs.zh_segment_id AND zr.actor_id = refs.actor_id
    LEFT JOIN actor_references er ON er.segment_id = refs.en_segment_id AND er.actor_id = refs.actor_id
    WHERE (coalesce(zr.class, 'absent') = 'named') != (coalesce(er.class, 'absent') = 'named')"""


def naming_divergences(conn: sqlite3.Connection, *, actor: str | None = None, since: str | None = None,
                       until: str | None = None, segment_ids: Sequence[str] = ()) -> list[dict]:
    """Aligned turns whose English translation and Chinese original name an actor differently:
    named in one, by role, obliquely or not at all in the other; both forms side by side."""
    where, params = [], {}
    if actor:
        where.append("actor = :actor")
        params["actor"] = actor
    where.extend(_between("date", "date", since, until))
    params.update(since=since, until=until)
    if segment_ids:
        names = {f"segment{i}": segment_id for i, segment_id in enumerate(segment_ids)}
        params.update(names)
        keys = ",".join(":" + key for key in names)
        where.append(f"(zh_segment_id IN ({keys}) OR en_segment_id IN ({keys}))")
    found = rows(conn, f"SELECT * FROM ({_DIVERGENCES}) {'WHERE ' + ' AND '.join(where) if where else ''} "
                       "ORDER BY date, zh_segment_id, actor", params)
    for row in found:
        for key in ("en_forms", "zh_forms"):
            row[key] = json.loads(row[key]) if row[key] else []
    return found


def translation_of(conn: sqlite3.Connection, segment_id: str) -> dict | None:
    """The aligned row of a turn: its counterpart in the other language, the method, score and shared anchors."""
    found = rows(conn, """SELECT * FROM translations WHERE (zh_segment_id = :id OR en_segment_id = :id)
                          AND method != 'unaligned'""", {"id": segment_id})
    if not found:
        return None
    row = found[0]
    row["anchors"] = json.loads(row["anchors"] or "[]")
    row["other_id"] = row["en_segment_id"] if row["zh_segment_id"] == segment_id else row["zh_segment_id"]
    return row
