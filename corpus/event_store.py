"""Storage of events: the turns they may be made of, and the events `analysis.events` made of them.

Plain rows in and out; how turns are grouped is the analysis' business.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from .queries import MINISTRY_KEY, rows
from .schema import OWN_KINDS
from .store import Corpus


def event_candidates(corpus: Corpus) -> list[dict]:
    """Every dated answer and statement that refers to an actor, or whose question does.

    One row per turn: id, kind, text sha256, date, ministry key (see queries.MINISTRY_KEY),
    source, country and the actors (ids, sorted). Questions are the journalists' words and
    never take part. In (date, id) order.
    """
    found = rows(
        corpus.db.conn,
        f"""
        WITH refs AS (
            SELECT segment_id AS id, actor_id FROM actor_references WHERE class != 'absent'
            UNION SELECT answer_id, actor_id FROM avoidance
        )
        SELECT s.id AS segment_id, s.kind, s.text_sha256, d.date, {MINISTRY_KEY} AS ministry,
               d.source, src.country, json_group_array(refs.actor_id) AS actors
        FROM refs
        JOIN segments s ON s.id = refs.id AND s.kind IN {OWN_KINDS!r}
        JOIN documents d ON d.id = s.document_id
        JOIN sources src ON src.name = d.source
        WHERE d.date IS NOT NULL
        GROUP BY s.id
        ORDER BY d.date, s.id
        """,
    )
    for row in found:
        row["actors"] = sorted(set(json.loads(row["actors"])))
    return found


def turn_texts(corpus: Corpus, segment_ids: Sequence[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for start in range(0, len(segment_ids), 500):
        chunk = list(segment_ids[start : start + 500])
        texts.update(corpus.db.execute(
            f"SELECT id, text FROM segments WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall())
    return texts


def actor_names(corpus: Corpus) -> dict[str, str]:
    return dict(corpus.db.execute("SELECT id, name FROM actors").fetchall())


def event_state(corpus: Corpus, key: str) -> str | None:
    found = corpus.db.execute("SELECT value FROM event_state WHERE key = ?", [key]).fetchone()
    return found[0] if found else None


def stored_components(corpus: Corpus) -> set[str]:
    return {row[0] for row in corpus.db.execute("SELECT component FROM event_components")}


def events_of_components(corpus: Corpus, components: Sequence[str]) -> dict[str, set[str]]:
    """The stored events of the given components: event id -> its turns' ids."""
    events: dict[str, set[str]] = {}
    for start in range(0, len(components), 500):
        chunk = list(components[start : start + 500])
        for event_id, segment_id in corpus.db.execute(
            f"""SELECT e.id, t.segment_id FROM events e LEFT JOIN event_turns t ON t.event_id = e.id
                WHERE e.component IN ({','.join('?' * len(chunk))})""", chunk):
            events.setdefault(event_id, set())
            if segment_id is not None:
                events[event_id].add(segment_id)
    return events


def event_ids(corpus: Corpus) -> set[str]:
    return {row[0] for row in corpus.db.execute("SELECT id FROM events")}


def replace_events(
    corpus: Corpus,
    removed_components: Sequence[str],
    components: Sequence[dict],
    events: Sequence[dict],
    state: dict[str, str],
) -> None:
    """Drop the removed components and their events, store the new ones, all in one transaction.

    components: {"component", "turns", "events"}; events: {"id", "label", "actors", "terms",
    "first_date", "last_date", "ministries", "component", "method", "turns": [{"segment_id",
    "ministry", "date", "distance"}]}.
    """
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    db = corpus.db
    with db.atomic():
        for start in range(0, len(removed_components), 500):
            chunk = list(removed_components[start : start + 500])
            marks = ",".join("?" * len(chunk))
            db.execute(f"DELETE FROM event_turns WHERE event_id IN (SELECT id FROM events WHERE component IN ({marks}))",
                       chunk)
            db.execute(f"DELETE FROM events WHERE component IN ({marks})", chunk)
            db.execute(f"DELETE FROM event_components WHERE component IN ({marks})", chunk)
        db.conn.executemany(
            "INSERT OR REPLACE INTO event_components (component, turns, events, clustered_at) VALUES (?, ?, ?, ?)",
            [(c["component"], c["turns"], c["events"], now) for c in components],
        )
        for event in events:
            db.execute(
                """INSERT INTO events (id, label, actors, terms, first_date, last_date, ministries, ministry_count,
                                       turn_count, component, method, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [event["id"], event["label"], json.dumps(event["actors"], ensure_ascii=False),
                 json.dumps(event["terms"], ensure_ascii=False), event["first_date"], event["last_date"],
                 json.dumps(event["ministries"], ensure_ascii=False), len(event["ministries"]),
                 len(event["turns"]), event["component"], event["method"], now],
            )
            db.conn.executemany(
                "INSERT INTO event_turns (segment_id, event_id, ministry, date, distance) VALUES (?, ?, ?, ?, ?)",
                [(t["segment_id"], event["id"], t["ministry"], t["date"], t["distance"]) for t in event["turns"]],
            )
        db.conn.executemany("INSERT OR REPLACE INTO event_state (key, value) VALUES (?, ?)", list(state.items()))


def turn_provenance(corpus: Corpus, segment_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Turn id -> (its document's URL, its text)."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(segment_ids), 500):
        chunk = list(segment_ids[start : start + 500])
        for segment_id, url, text in corpus.db.execute(
                f"""SELECT s.id, d.url, s.text FROM segments s JOIN documents d ON d.id = s.document_id
                    WHERE s.id IN ({','.join('?' * len(chunk))})""", chunk):
            found[segment_id] = (url, text)
    return found
