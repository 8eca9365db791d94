"""What the corpus' web pages show: turn and briefing pages, search hits, actors, trend data.

Plain functions over a sqlite3 connection and text, so that they are tested without a
server; `datasette/plugins/communique_pages.py` only routes requests to them, and the SQL
lives in `corpus.queries`. All text from the transcripts is escaped: markup inside a page
never reaches the browser as markup.
"""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
from collections import Counter

from markupsafe import Markup, escape

from corpus import queries

from .actor_search import did_you_mean, find_actors

# Sentinels FTS5's highlight() puts around matches; control characters never occur in
# transcripts, so they can be told apart from the text and turned into <mark> after escaping.
MATCH_START, MATCH_END = "\x02", "\x03"
SNIPPET_WORDS = 40
CLASS_LABELS = {"named": "named", "role": "by role", "oblique": "oblique", "absent": "not referred to"}


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
    """An FTS snippet with its sentinels turned into <mark>, everything else escaped.

    Marks always pair up, even if a transcript held a stray sentinel character.
    """
    out, open_mark = [], False
    for piece in re.split(f"([{MATCH_START}{MATCH_END}])", snippet):
        if piece in (MATCH_START, MATCH_END):
            if (piece == MATCH_START) != open_mark:
                out.append("<mark>" if piece == MATCH_START else "</mark>")
                open_mark = not open_mark
        else:
            out.append(str(escape(piece)))
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))


def snippet_window(highlighted: str, words: int = SNIPPET_WORDS) -> str:
    """The `words` consecutive words of a highlighted text that hold the most matches, with "…" where cut.

    One pass over the text (FTS5's own snippet() takes time quadratic in the matches of a
    turn: seconds for a few thousand); a match cut by the window keeps its sentinels paired.
    """
    tokens = highlighted.split()
    if len(tokens) <= words:
        return " ".join(tokens)
    starts = [MATCH_START in token for token in tokens]
    best, best_start, count = sum(starts[:words]), 0, sum(starts[:words])
    for first in range(1, len(tokens) - words + 1):
        count += starts[first + words - 1] - starts[first - 1]
        if count > best:
            best, best_start = count, first
    # The leftmost best window ends at its last match: give its first match some words before it.
    first_match = next((i for i in range(best_start, best_start + words) if starts[i]), best_start)
    best_start = min(max(best_start, first_match - words // 4), len(tokens) - words)
    # Whether a mark opened before the window is still open where it starts.
    open_before = False
    for token in tokens[:best_start]:
        for char in token:
            if char == MATCH_START:
                open_before = True
            elif char == MATCH_END:
                open_before = False
    window = " ".join(tokens[best_start : best_start + words])
    if open_before:
        window = MATCH_START + window
    if window.count(MATCH_START) > window.count(MATCH_END):
        window += MATCH_END
    prefix = "… " if best_start > 0 else ""
    suffix = " …" if best_start + words < len(tokens) else ""
    return f"{prefix}{window}{suffix}"


def fts_query(text: str) -> str:
    """A user's words as an FTS5 query: quoted phrases kept, other words ANDed, no operator injection."""
    phrases = re.findall(r'"([^"]+)"', text)
    rest = re.sub(r'"[^"]*"', " ", text)
    words = re.findall(r"[\w'-]+", rest)
    terms = [f'"{p.replace(chr(34), "")}"' for p in phrases] + [f'"{w}"' for w in words]
    return " ".join(terms)




def distinct_forms(forms: list[str] | str | None) -> list[str]:
    """Forms once each, in order of first use, with how often when more than once: "Maduro (×2)".

    Accepts the JSON list the corpus stores, or a list.
    """
    if isinstance(forms, str):
        try:
            forms = json.loads(forms)
        except ValueError:
            return [forms]
    counts = Counter(forms or [])
    return [f"{form} (×{counts[form]})" if counts[form] > 1 else form for form in dict.fromkeys(forms or [])]


_CHINESE_RUN = re.compile(r"[\u3400-\u9fff]+")


def chinese_terms(text: str) -> list[str]:
    """The runs of Chinese characters in a query ("委内瑞拉 外部干预" -> both); none for a query in Latin script."""
    return _CHINESE_RUN.findall(text)


def search_hits(conn: sqlite3.Connection, text: str, limit: int = 20, offset: int = 0, kind: str | None = None,
                source: str | None = None, year: str | None = None, order: str = "relevance",
                language: str | None = None) -> tuple[int, list[dict]]:
    """(total, hits) of the user's words, each hit's snippet marked up and escaped.

    Words in Chinese characters search the Chinese turns (whose index finds any substring:
    Chinese has no spaces between words); other words search every turn by word.
    """
    if order not in queries.SEARCH_ORDERS:
        order = "relevance"
    if terms := chinese_terms(text):
        if language not in (None, "zh"):
            return 0, []
        total, hits = queries.search_chinese_turns(conn, terms, limit, offset, kind=kind, source=source, year=year,
                                                   order=order, snippet_marks=(MATCH_START, MATCH_END))
        for hit in hits:
            hit["snippet"] = snippet_markup(hit["snippet"])
        return total, hits
    query = fts_query(text)
    if not query:
        return 0, []
    total, hits = queries.search_turns(conn, query, limit, offset, kind=kind, source=source, year=year,
                                       order=order, snippet_marks=(MATCH_START, MATCH_END), language=language)
    for hit in hits:
        hit["snippet"] = snippet_markup(snippet_window(hit.pop("highlighted")))
    return total, hits


LANGUAGES = {"en": "English", "zh": "Chinese (中文)"}


def search_facets(conn: sqlite3.Connection, text: str) -> dict[str, int]:
    """How many turns match the user's words in each language: the search page's language facet."""
    if terms := chinese_terms(text):
        return queries.search_languages(conn, terms=terms)
    query = fts_query(text)
    return queries.search_languages(conn, fts=query) if query else {}


def search_choices(conn: sqlite3.Connection) -> dict:
    """What the search form offers to filter by."""
    return {"sources": queries.sources(conn), "years": queries.years(conn),
            "languages": {code: LANGUAGES.get(code, code) for code in queries.turn_languages(conn)}}


def _marked(turn: dict, forms: list[dict]) -> dict:
    turn["markup"] = highlight_forms(turn["text"], forms)
    return turn


def speaker_of(turn: dict, spokesperson: str | None = None) -> str:
    """Who speaks a turn, as a reader would say it."""
    if turn["kind"] == "answer":
        return turn.get("speaker") or spokesperson or turn.get("label") or "Answer"
    if turn["kind"] == "question":
        label, speaker = turn.get("label") or "Q", turn.get("speaker")
        return f"{label} — {speaker}" if speaker and speaker != label else label
    return spokesperson or "Statement"


def answer_context(conn: sqlite3.Connection, segment_id: str) -> dict | None:
    """Everything a turn's page shows, or None if there is no such turn.

    An answer shows its question and the naming table of both (the question's forms are
    the journalist's words, the answer's the ministry's); a question shows its answers,
    each with its naming table; a statement shows how it refers to each actor.
    """
    segment = queries.turn(conn, segment_id)
    if segment is None:
        return None
    question = queries.segment(conn, segment["reply_to"]) if segment["reply_to"] else None
    answers = queries.answers_to(conn, segment_id) if segment["kind"] == "question" else []
    shown = [segment["id"]] + ([question["id"]] if question else []) + [a["id"] for a in answers]
    forms = queries.reference_forms(conn, shown)
    _marked(segment, forms[segment["id"]])
    if question:
        _marked(question, forms[question["id"]])
    for answer in answers:
        _marked(answer, forms[answer["id"]])
        answer["naming"] = queries.answer_naming(conn, answer["id"])
    by_position = queries.neighbours(conn, segment["document_id"], segment["position"])
    twin = bilingual_context(conn, segment, question)
    return {
        "twin": twin,
        "segment": segment,
        "speaker": speaker_of(segment, segment["spokesperson"]),
        "question": question,
        "answers": answers,
        "naming": queries.answer_naming(conn, segment_id) if segment["kind"] == "answer" else [],
        "references": queries.turn_references(conn, segment_id) if segment["kind"] != "answer" else [],
        "previous": by_position.get(segment["position"] - 1),
        "next": by_position.get(segment["position"] + 1),
    }


def bilingual_context(conn: sqlite3.Connection, segment: dict, question: dict | None) -> dict | None:
    """A turn beside its counterpart in the other language (the Chinese original of an English
    translation, or the reverse), each with its question and references marked, and the
    actors the two name differently. None for a turn without an aligned counterpart."""
    aligned = queries.translation_of(conn, segment["id"])
    if aligned is None:
        return None
    other = queries.turn(conn, aligned["other_id"])
    other_question = queries.segment(conn, other["reply_to"]) if other and other["reply_to"] else None
    here_language = "zh" if aligned["zh_segment_id"] == segment["id"] else "en"
    shown = [other["id"]] + ([other_question["id"]] if other_question else [])
    forms = queries.reference_forms(conn, shown)
    _marked(other, forms[other["id"]])
    if other_question:
        _marked(other_question, forms[other_question["id"]])
    sides = {here_language: {"turn": segment, "question": question},
             ("en" if here_language == "zh" else "zh"): {"turn": other, "question": other_question}}
    return {"alignment": aligned, "en": sides["en"], "zh": sides["zh"], "here": here_language,
            "divergences": queries.naming_divergences(conn, segment_ids=[segment["id"]])}


def briefing_context(conn: sqlite3.Connection, document_id: str) -> dict | None:
    """A whole briefing in page order: each turn with its speaker and its references marked."""
    document = queries.briefing(conn, document_id)
    if document is None:
        return None
    turns = queries.briefing_turns(conn, document_id)
    forms = queries.reference_forms(conn, [t["id"] for t in turns])
    for turn in turns:
        _marked(turn, forms[turn["id"]])
        turn["speaker_label"] = speaker_of(turn, document["spokesperson"])
    return {"document": document, "turns": turns, **queries.briefing_neighbours(conn, document)}


def actors_context(conn: sqlite3.Connection, query: str) -> dict:
    """The actors matching a query (every actor without one), with reference counts."""
    every = queries.actors(conn)
    found = find_actors(every, query) if query.strip() else every
    return {"actors": found, "total": len(every),
            "suggestion": did_you_mean(every, query) if query.strip() and not found else ""}


def export_commands(db_path: str, actor: str, by: str) -> list[str]:
    """The commands that export what the trends page shows, for the corpus being served."""
    db = shlex.quote(str(db_path))
    name = shlex.quote(actor)
    return [
        f"communique --db {db} export trends --actor {name} --by {by} --format csv "
        f"--output {shlex.quote(actor + '.csv')} --plot {shlex.quote(actor + '.png')}",
        f"communique --db {db} export quotes --actor {name} --format csv --output {shlex.quote(actor + '_quotes.csv')}",
    ]


def trend_data(conn: sqlite3.Connection, actor: str | None, by: str) -> dict:
    """Trend rows of an actor for every source (as the export computes them) and the page's choices.

    `actors` holds every actor the corpus refers to, the chosen one always among them;
    `message` says why there is no chart when there is none.
    """
    from analysis.trends import trend_rows
    from corpus.analysis_store import actor_answer_records

    every = queries.actors(conn)
    by_id = {a["id"]: a for a in every}
    choices = [a for a in every if a["answers"]]
    if not actor:
        actor = "maduro" if by_id.get("maduro", {}).get("answers") else (choices[0]["id"] if choices else "")
    message, trend = "", []
    if actor not in by_id:
        hint = did_you_mean(every, actor)
        message = f"There is no actor {actor!r} in this corpus" + (f": {hint}" if hint else ".")
    elif not by_id[actor]["answers"]:
        message = (f"No answer in this corpus refers to {by_id[actor]['name']} ({actor}): there is nothing to draw. "
                   "Search the answers' words instead, or export them with `export quotes --query`.")
    else:
        records = actor_answer_records(_ReadOnlyCorpus(conn), actor)
        trend = trend_rows(records, actor, by, queries.sources(conn))
    if actor and all(a["id"] != actor for a in choices):
        known = by_id.get(actor)
        choices = [{"id": actor, "name": known["name"] if known else actor, "answers": 0}] + choices
    return {"actor": actor, "actor_name": by_id[actor]["name"] if actor in by_id else actor, "rows": trend,
            "actors": choices, "message": message}


class _ReadOnlyCorpus:
    """What the corpus' read functions need (a sqlite-utils Database and a path), over a read connection."""

    def __init__(self, conn: sqlite3.Connection):
        from sqlite_utils import Database

        self.db = Database(conn)
        self.path = "corpus"


AXIS_FORMATS = {"week": "%Y-%m-%d", "month": "%b %Y"}


def trend_chart_spec(trend: list[dict], actor: str, by: str) -> dict:
    """A Vega-Lite spec: naming rate and mean stance per period, one line per ministry, interval band.

    Periods without answers stay in the data with empty values, so lines break there
    instead of drawing a trend through months when nothing was said. Every axis label
    carries its year; quarters are labelled as the exports name them ("2019-Q1").
    """
    values = [
        {"period": r["period_start"], "label": r["period"], "ministry": r["source"], "named_rate": r["named_rate"],
         "stance": r["stance_mean"], "low": r["stance_low"], "high": r["stance_high"], "answers": r["answers"]}
        for r in trend
    ]
    if by == "quarter":
        x = {"field": "label", "type": "ordinal", "title": "quarter", "axis": {"labelAngle": 0}}
    else:
        x = {"field": "period", "type": "temporal", "title": f"{by} starting", "axis": {"format": AXIS_FORMATS[by]}}
    colour = {"field": "ministry", "type": "nominal", "title": "ministry"}
    dash = {"field": "ministry", "type": "nominal", "legend": None}
    tooltip = [{"field": "label", "title": by}, {"field": "ministry"}, {"field": "answers"},
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


# Comparisons and events ---------------------------------------------------------------


def comparison(conn: sqlite3.Connection, actor: str, since: str | None = None, until: str | None = None,
               event: str | None = None) -> dict:
    """One column per ministry for an actor over the dates (or within an event): what the page and the export show."""
    from analysis.compare import compare_columns, differences

    records = queries.compare_records(conn, actor, since, until, event)
    forms = queries.actor_forms(conn, actor, [r["segment_id"] for r in records])
    columns = compare_columns(records, forms, queries.ministries(conn))
    name = queries.actor_name(conn, actor) or actor
    return {"actor": actor, "actor_name": name, "since": since, "until": until, "event": event,
            "columns": columns, "differences": differences(columns, name)}


def _mark_quotes(columns: list[dict]) -> None:
    for column in columns:
        for quote in column["quotes"]:
            quote["markup"] = highlight_forms(quote["quote"], quote["quote_forms"])


def compare_command(db_path: str, actor: str, since: str | None, until: str | None, event: str | None = None) -> str:
    """The command that exports what a comparison page shows, for the corpus being served."""
    parts = ["communique", "--db", str(db_path), "export", "compare", "--actor", actor]
    for option, value in (("--since", since), ("--until", until), ("--event", event)):
        if value:
            parts += [option, value]
    name = "_".join(p for p in (actor, event or "", since or "", until or "") if p)
    return shlex.join(parts + ["--format", "csv", "--output", f"compare_{name}.csv"])


def _date_problem(value: str | None, name: str) -> str:
    from corpus.dates import parse_bound

    try:
        parse_bound(value or None, name)
    except ValueError:
        return f"“{value}” is not a date: write it as YYYY-MM-DD."
    return ""


def compare_context(conn: sqlite3.Connection, actor: str, since: str, until: str, db_path: str = "corpus") -> dict:
    """The comparison page: the columns, or a sentence saying why there are none."""
    context = {"actor_id": actor, "since": since, "until": until, "columns": [], "differences": [],
               "events": [], "message": "", "command": "", "actor_name": actor}
    problem = _date_problem(since, "since") or _date_problem(until, "until")
    if not problem and since and until and since > until:
        problem = f"The first day ({since}) is after the last ({until})."
    if not actor:
        context["message"] = problem or "Choose an actor (its id, e.g. guaido) and the days to compare."
        return context
    every = queries.actors(conn)
    if problem:
        context["message"] = problem
        return context
    if actor not in {a["id"] for a in every}:
        hint = did_you_mean(every, actor)
        context["message"] = f"There is no actor {actor!r} in this corpus" + (f": {hint}" if hint else ".")
        return context
    data = comparison(conn, actor, since or None, until or None)
    _mark_quotes(data["columns"])
    context.update({k: v for k, v in data.items() if k not in ("actor", "since", "until")})
    context["events"] = queries.events(conn, since or None, until or None, actor)
    if not data["columns"]:
        context["message"] = (f"No ministry's answer or statement of these days refers to {data['actor_name']}, "
                              "and no question about it was answered.")
    else:
        context["command"] = compare_command(db_path, actor, since or None, until or None)
    return context


def event_context(conn: sqlite3.Connection, event_id: str, actor: str | None = None,
                  db_path: str = "corpus") -> dict | None:
    """An event's page: its turns compared per ministry for one of its actors (the most shared by default)."""
    event = queries.event(conn, event_id)
    if event is None:
        return None
    names = {a: queries.actor_name(conn, a) or a for a in event["actors"]}
    chosen = actor if actor in names else event["actors"][0]
    data = comparison(conn, chosen, event=event_id)
    _mark_quotes(data["columns"])
    ministries = queries.ministries(conn)
    turns = queries.event_turns(conn, event_id)
    for turn in turns:
        turn["ministry_name"] = ministries.get(turn["ministry"], {}).get("name", turn["ministry"])
    return {**{k: v for k, v in data.items() if k not in ("actor", "event")}, "event": event, "actor_names": names,
            "actor_id": chosen,
            "ministry_names": [ministries.get(m, {}).get("name", m) for m in event["ministries"]], "turns": turns,
            "command": compare_command(db_path, chosen, None, None, event_id)}


def events_context(conn: sqlite3.Connection, actor: str = "", since: str = "", until: str = "") -> dict:
    problem = _date_problem(since, "since") or _date_problem(until, "until")
    found = [] if problem else queries.events(conn, since or None, until or None, actor or None)
    ministries = queries.ministries(conn)
    for event in found:
        event["ministry_names"] = [ministries.get(m, {}).get("name", m) for m in event["ministries"]]
    return {"events": found, "actor_id": actor, "since": since, "until": until, "message": problem,
            "total": conn.execute("SELECT count(*) FROM events").fetchone()[0]}
