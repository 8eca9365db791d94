"""What the corpus' web pages show: the answer page, highlighted search hits, trend data.

Plain functions over a sqlite3 connection and text, so that they are tested without a
server; `datasette/plugins/communique_pages.py` only routes requests to them. All text
from the transcripts is escaped: markup inside a page never reaches the browser as markup.
"""

from __future__ import annotations

import json
import re
import sqlite3

from markupsafe import Markup, escape

# Sentinels FTS5's snippet() puts around matches; control characters never occur in
# transcripts, so they can be told apart from the text and turned into <mark> after escaping.
MATCH_START, MATCH_END = "\x02", "\x03"
CLASS_LABELS = {"named": "named", "role": "by role", "oblique": "oblique", "absent": "not referred to"}


def rows(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    cursor = conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values)) for values in cursor.fetchall()]


def paragraphs(markup_text: str) -> Markup:
    return Markup("".join(f"<p>{part}</p>" for part in str(markup_text).split("\n\n") if part.strip()))


def highlight_forms(text: str, forms: list[dict]) -> Markup:
    """The text, escaped, with each reference form wrapped in <mark class="ref ref-CLASS">.

    `forms` carry start, end, class and actor; overlapping forms keep the first (longest
    at a position), as the reader can only see one mark at a time.
    """
    out, position = [], 0
    for form in sorted(forms, key=lambda f: (f["start"], -(f["end"] - f["start"]))):
        if form["start"] < position or form["end"] > len(text):
            continue
        out.append(str(escape(text[position : form["start"]])))
        title = f"{form['actor']}: {CLASS_LABELS.get(form['class'], form['class'])}"
        if form.get("title"):
            title += f" ({form['title']})"
        out.append(
            f'<mark class="ref ref-{escape(form["class"])}" title="{escape(title)}">'
            f"{escape(text[form['start']:form['end']])}</mark>"
        )
        position = form["end"]
    out.append(str(escape(text[position:])))
    return paragraphs(Markup("".join(out)))


def snippet_markup(snippet: str) -> Markup:
    """An FTS snippet with its sentinels turned into <mark>, everything else escaped."""
    escaped = str(escape(snippet))
    return Markup(escaped.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))


def fts_query(text: str) -> str:
    """A user's words as an FTS5 query: quoted phrases kept, other words ANDed, no operator injection."""
    phrases = re.findall(r'"([^"]+)"', text)
    rest = re.sub(r'"[^"]*"', " ", text)
    words = re.findall(r"[\w'-]+", rest)
    terms = [f'"{p.replace(chr(34), "")}"' for p in phrases] + [f'"{w}"' for w in words]
    return " ".join(terms)


def search_hits(conn: sqlite3.Connection, text: str, limit: int = 20, offset: int = 0,
                kind: str | None = None) -> tuple[int, list[dict]]:
    query = fts_query(text)
    if not query:
        return 0, []
    where = "segments_fts MATCH ?" + (" AND s.kind = ?" if kind else "")
    params = [query] + ([kind] if kind else [])
    total = conn.execute(
        f"SELECT count(*) FROM segments_fts JOIN segments s ON s.rowid = segments_fts.rowid WHERE {where}", params
    ).fetchone()[0]
    hits = rows(
        conn,
        f"""SELECT s.id, s.kind, s.speaker, d.date, d.spokesperson, d.source, src.ministry, d.url, d.title,
                   snippet(segments_fts, 0, '{MATCH_START}', '{MATCH_END}', ' … ', 40) AS snippet
            FROM segments_fts
            JOIN segments s ON s.rowid = segments_fts.rowid
            JOIN documents d ON d.id = s.document_id
            JOIN sources src ON src.name = d.source
            WHERE {where}
            ORDER BY rank LIMIT ? OFFSET ?""",
        params + [limit, offset],
    )
    for hit in hits:
        hit["snippet"] = snippet_markup(hit["snippet"])
    return total, hits


def answer_context(conn: sqlite3.Connection, segment_id: str) -> dict | None:
    """Everything the answer page shows for a segment (any kind), or None if there is none."""
    found = rows(
        conn,
        """SELECT s.*, d.title, d.date, d.date_inferred, d.spokesperson, d.url, d.source, src.ministry
           FROM segments s JOIN documents d ON d.id = s.document_id JOIN sources src ON src.name = d.source
           WHERE s.id = ?""",
        [segment_id],
    )
    if not found:
        return None
    segment = found[0]
    question = None
    if segment["reply_to"]:
        question = rows(conn, "SELECT * FROM segments WHERE id = ?", [segment["reply_to"]])[0]

    def forms_of(seg_id: str) -> list[dict]:
        return rows(
            conn,
            """SELECT f.start, f.end, f.class, f.title, f.form, f.actor_id AS actor
               FROM reference_forms f WHERE f.segment_id = ? ORDER BY f.start""",
            [seg_id],
        )

    segment["markup"] = highlight_forms(segment["text"], forms_of(segment["id"]))
    if question:
        question["markup"] = highlight_forms(question["text"], forms_of(question["id"]))
    naming = rows(
        conn,
        """SELECT pairs.actor_id AS actor, a.name, coalesce(av.in_question, 'absent') AS in_question,
                  coalesce(ar.class, 'absent') AS in_answer, coalesce(av.avoided, 0) AS avoided,
                  ar.forms, ar.title, st.label AS stance, st.score AS stance_score, st.confidence,
                  st.evidence, st.method
           FROM (SELECT actor_id FROM avoidance WHERE answer_id = :id
                 UNION SELECT actor_id FROM actor_references WHERE segment_id = :id) AS pairs
           LEFT JOIN actors a ON a.id = pairs.actor_id
           LEFT JOIN avoidance av ON av.answer_id = :id AND av.actor_id = pairs.actor_id
           LEFT JOIN actor_references ar ON ar.segment_id = :id AND ar.actor_id = pairs.actor_id
           LEFT JOIN stances st ON st.answer_id = :id AND st.actor_id = pairs.actor_id
           ORDER BY av.avoided DESC, pairs.actor_id""",
        {"id": segment["id"]},
    )
    for row in naming:
        row["forms"] = json.loads(row["forms"]) if row["forms"] else []
        row["evidence"] = json.loads(row["evidence"]) if row["evidence"] else []
    neighbours = rows(
        conn,
        """SELECT id, position, kind FROM segments WHERE document_id = ? AND position IN (?, ?)""",
        [segment["document_id"], segment["position"] - 1, segment["position"] + 1],
    )
    by_position = {n["position"]: n for n in neighbours}
    return {
        "segment": segment,
        "question": question,
        "naming": naming,
        "previous": by_position.get(segment["position"] - 1),
        "next": by_position.get(segment["position"] + 1),
    }


class _ReadOnlyCorpus:
    """What the corpus' read functions need (a sqlite-utils Database and a path), over a read connection."""

    def __init__(self, conn: sqlite3.Connection):
        from sqlite_utils import Database

        self.db = Database(conn)
        self.path = "corpus"


def trend_data(conn: sqlite3.Connection, actor: str, by: str) -> tuple[list[dict], list[dict]]:
    """Trend rows of an actor for every source (as the export computes them), and the actors to choose from."""
    from analysis.trends import trend_rows
    from corpus.analysis_store import actor_answer_records

    corpus = _ReadOnlyCorpus(conn)
    ministries = dict(conn.execute("SELECT name, ministry FROM sources ORDER BY name").fetchall())
    records = actor_answer_records(corpus, actor)
    actors = rows(
        conn,
        """SELECT actor_id AS id, count(*) AS answers FROM avoidance GROUP BY actor_id
           ORDER BY answers DESC LIMIT 60""",
    )
    return trend_rows(records, actor, by, ministries), actors


def trend_chart_spec(trend: list[dict], actor: str, by: str) -> dict:
    """A Vega-Lite spec: naming rate and mean stance per period, one line per ministry, interval band.

    Periods without answers stay in the data with empty values, so lines break there
    instead of drawing a trend through months when nothing was said.
    """
    values = [
        {"period": r["period_start"], "ministry": r["source"], "named_rate": r["named_rate"],
         "stance": r["stance_mean"], "low": r["stance_low"], "high": r["stance_high"], "answers": r["answers"]}
        for r in trend
    ]
    x = {"field": "period", "type": "temporal", "title": f"period ({by})"}
    colour = {"field": "ministry", "type": "nominal", "title": "ministry"}
    dash = {"field": "ministry", "type": "nominal", "legend": None}
    tooltip = [{"field": "period", "type": "temporal"}, {"field": "ministry"}, {"field": "answers"},
               {"field": "named_rate", "format": ".2f"}, {"field": "stance", "format": ".2f"}]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": f"{actor}: how often answers name it, and their stance",
        "data": {"values": values},
        "vconcat": [
            {"width": 720, "height": 200,
             "mark": {"type": "line", "point": True, "invalid": "break-paths-show-domains"},
             "encoding": {"x": x, "y": {"field": "named_rate", "type": "quantitative", "title": "share naming",
                                        "scale": {"domain": [0, 1]}},
                          "color": colour, "strokeDash": dash, "tooltip": tooltip}},
            {"width": 720, "height": 200,
             "layer": [
                 {"mark": {"type": "area", "opacity": 0.2, "invalid": "break-paths-show-domains"},
                  "encoding": {"x": x, "y": {"field": "low", "type": "quantitative", "scale": {"domain": [-1, 1]},
                                             "title": "mean stance (−1 oppose … +1 support)"},
                               "y2": {"field": "high"}, "color": colour}},
                 {"mark": {"type": "line", "point": True, "invalid": "break-paths-show-domains"},
                  "encoding": {"x": x, "y": {"field": "stance", "type": "quantitative"},
                               "color": colour, "strokeDash": dash, "tooltip": tooltip}},
             ]},
        ],
    }
