"""Writing exports: CSV (with a provenance sidecar), JSON and Parquet (provenance inside), and charts.

Numbers in papers must be reproducible: every export carries the Communique version,
the exact command, the analysis versions (registry hash, stance model, embedding model)
and the corpus' date range.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shlex
from pathlib import Path

from . import __version__

FORMATS = ("csv", "json", "parquet")


class ExportError(ValueError):
    """An export could not be written."""


def provenance(command: list[str], corpus_facts: dict, parameters: dict) -> dict:
    return {
        "communique_version": __version__,
        "command": shlex.join(command),
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "parameters": parameters,
        **corpus_facts,
    }


def sidecar_path(output: Path) -> Path:
    return output.with_name(output.name + ".provenance.json")


def _flat(value):
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    return value


# Whose words each column holds: the journalist's (question) or the ministry's (answer).
# Written into every export's provenance, so that a reader of the file alone can tell.
COLUMN_NOTES = {
    "matched_in": "where the --query words were found: the answer, its question, or both",
    "in_question": "how the journalist's question refers to the actor",
    "question_forms": "the journalist's words for the actor, in the question",
    "question_title": "the title the journalist used with the actor's name",
    "in_answer": "how the ministry's answer refers to the actor",
    "answer_forms": "the ministry's words for the actor, in the answer",
    "answer_title": "the title the ministry used with the actor's name",
    "avoided": "the question named the actor and the answer did not",
    "stance": "the answer's stance toward the actor",
    "evidence": "the answer's sentences that carry the stance",
    "question_named": "answers whose question named the actor",
    "answer_top_forms": "the ministry's most used forms for the actor, in its answers",
    "answer_top_titles": "the ministry's most used titles with the actor's name, in its answers",
    "ministry_key": "the ministry's country code (one column per ministry: every source of a country)",
    "turns": "the ministry's own turns (answers and statements) that refer to the actor, answer a question that "
             "does, or belong to an event about it",
    "absent": "turns that do not refer to the actor: answers to a question that does, or turns of an event about it",
    "forms": "the ministry's words for the actor, with the titles beside them, and how many times",
    "titles": "the titles the ministry used with the actor's name, and how many times",
    "titles_conferring": "titles that confer legitimacy on the actor (analysis/data/legitimacy.yaml)",
    "titles_denying": "titles that deny the actor legitimacy (analysis/data/legitimacy.yaml)",
    "legitimacy": "confers, denies, mixed, no title (named without one) or unnamed (never named)",
    "stance_low": "the 95% bootstrap interval of the mean stance, low end",
    "stance_high": "the 95% bootstrap interval of the mean stance, high end",
    "differences": "where this ministry stands apart from the others (titles, never naming, stance)",
    "quotes": "each turn: date, the sentence that names the actor (or its stance evidence), the official URL",
    "language": "the language of the transcript: en (the ministry's English) or zh (the Chinese original)",
}
COMPARE_COLUMNS = (
    "actor", "actor_name", "since", "until", "event", "ministry_key", "ministry", "sources", "first_date",
    "last_date", "turns", "answers", "statements", "named", "role", "oblique", "absent", "named_rate",
    "question_named", "avoided", "avoidance_rate", "forms", "titles", "titles_conferring", "titles_denying",
    "legitimacy", "stance_n", "stance_mean", "stance_low", "stance_high", "differences", "quotes",
)
QUOTE_COLUMNS = (
    "date", "ministry", "source", "language", "spokesperson", "url", "answer_id", "matched_in", "actor", "actor_name",
    "in_question", "question_forms", "question_title", "in_answer", "answer_forms", "answer_title", "avoided",
    "stance", "stance_score", "evidence", "question", "answer",
)
# The trend rows' names for the answers' words, said as whose they are.
TREND_RENAMES = {"top_forms": "answer_top_forms", "top_titles": "answer_top_titles"}


def quote_columns(query: bool) -> list[str]:
    """The quote export's columns; `matched_in` only when rows were found by a --query."""
    return [column for column in QUOTE_COLUMNS if query or column != "matched_in"]


def quote_table(records: list[dict], cls: str | None = None, query: bool = False) -> list[dict]:
    """Quote rows from `corpus.queries.quote_records`, filtered by how the answer refers to the actor.

    `cls` is avoided, or an answer class (named, role, oblique, absent); rows without
    an actor never pass a class filter.
    """
    columns = quote_columns(query)
    rows = []
    for record in records:
        if cls == "avoided" and not record["avoided"]:
            continue
        if cls and cls != "avoided" and record["in_answer"] != cls:
            continue
        rows.append({column: record[column] for column in columns})
    return rows


def trend_table(rows: list[dict]) -> list[dict]:
    """Trend rows with the answers' words named as the ministry's (see TREND_RENAMES)."""
    return [{TREND_RENAMES.get(key, key): value for key, value in row.items()} for row in rows]


def compare_table(data: dict) -> list[dict]:
    """The rows of a comparison (`communique.pages.comparison`): one per ministry, in COMPARE_COLUMNS."""
    rows = []
    for column in data["columns"]:
        def counted(entries, kind=None):
            return [f"{e['text']} (×{e['count']})" for e in entries if kind is None or e["legitimacy"] == kind]

        row = {"actor": data["actor"], "actor_name": data["actor_name"], "since": data["since"],
               "until": data["until"], "event": data["event"], "ministry_key": column["key"]}
        row.update({key: column[key] for key in COMPARE_COLUMNS if key in column and key not in row
                    and key not in ("forms", "titles")})
        row.update({
            "forms": counted(column["forms"]), "titles": counted(column["titles"]),
            "titles_conferring": counted(column["titles"], "confers"),
            "titles_denying": counted(column["titles"], "denies"),
            "differences": [d["text"] for d in data["differences"] if column["key"] in d["ministries"]],
            "quotes": [f"{q['date']} “{q['quote']}” {q['url']}" for q in column["quotes"]],
        })
        rows.append({key: row.get(key) for key in COMPARE_COLUMNS})
    return rows


def column_notes(columns) -> dict:
    return {column: COLUMN_NOTES[column] for column in columns if column in COLUMN_NOTES}


def write_rows(rows: list[dict], output: Path, fmt: str, meta: dict, columns: list[str] | None = None) -> list[Path]:
    """Write rows in `fmt`; returns the files written. Writes to a temporary name first.

    `columns` gives a CSV its header even when there are no rows.
    """
    if fmt not in (*FORMATS, "jsonl"):
        raise ExportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    written = [output]
    if fmt == "csv":
        with partial.open("w", newline="", encoding="utf-8") as handle:
            if rows or columns:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else list(columns))
                writer.writeheader()
                writer.writerows({k: _flat(v) for k, v in row.items()} for row in rows)
        sidecar_path(output).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(sidecar_path(output))
    elif fmt == "jsonl":
        with partial.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        sidecar_path(output).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(sidecar_path(output))
    elif fmt == "json":
        partial.write_text(json.dumps({"provenance": meta, "rows": rows}, indent=2, ensure_ascii=False) + "\n",
                           encoding="utf-8")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(rows) if rows else pa.table({})
        table = table.replace_schema_metadata({b"communique": json.dumps(meta, ensure_ascii=False).encode()})
        pq.write_table(table, str(partial))
    partial.replace(output)
    return written


LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P")


def plot_trends(rows: list[dict], output: Path, title: str, names: dict[str, str] | None = None) -> Path:
    """Naming rate and mean stance per period, one line per ministry and actor, in greys; the
    legend gives actors by their `names` (id -> name) where given.

    Intervals are shaded; periods with few answers get hollow markers; a period with no
    answer leaves a gap in the line rather than a made-up zero.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        # keyed by source too: one ministry in two languages is two lines
        series.setdefault((row["ministry"], row["actor"], row["source"]), []).append(row)
    figure, (naming, stance) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    greys = ["0.0", "0.45", "0.25", "0.6"]
    labels = []
    for index, ((ministry, actor, _), points) in enumerate(sorted(series.items())):
        style = {"color": greys[index % len(greys)], "linestyle": LINE_STYLES[index % len(LINE_STYLES)],
                 "marker": MARKERS[index % len(MARKERS)]}
        x = [dt.date.fromisoformat(p["period_start"]) for p in points]
        source = points[0]["source"]
        shown = (names or {}).get(actor, actor)
        label = f"{shown} — {source}" if len({a for _, a, _ in series}) > 1 else f"{source}: {ministry}"
        labels.append(label)
        named = [p["named_rate"] if p["named_rate"] is not None else float("nan") for p in points]
        mean = [p["stance_mean"] if p["stance_mean"] is not None else float("nan") for p in points]
        low = [p["stance_low"] if p["stance_low"] is not None else float("nan") for p in points]
        high = [p["stance_high"] if p["stance_high"] is not None else float("nan") for p in points]
        naming.plot(x, named, label=label, **style)
        stance.plot(x, mean, label=label, **style)
        stance.fill_between(x, low, high, color=style["color"], alpha=0.15, linewidth=0)
        small = [(xi, ni, mi) for xi, ni, mi, p in zip(x, named, mean, points) if p["small_count"] and p["answers"]]
        if small:
            xs, ns, ms = zip(*small)
            for axis, ys in ((naming, ns), (stance, ms)):
                axis.scatter(xs, ys, s=60, facecolors="white", edgecolors=style["color"], zorder=3,
                             marker=style["marker"])
    naming.set_ylabel("share of answers naming the actor")
    naming.set_ylim(-0.05, 1.05)
    naming.set_title(title)
    naming.legend(loc="best", fontsize=8)
    stance.set_ylabel("mean stance (−1 oppose … +1 support)\nshaded: 95% bootstrap interval")
    stance.set_ylim(-1.05, 1.05)
    stance.axhline(0, color="0.7", linewidth=0.8)
    stance.set_xlabel("period start (hollow markers: fewer than 5 answers)")
    if rows:
        starts = sorted({dt.date.fromisoformat(r["period_start"]) for r in rows})
        padding = dt.timedelta(days=max(3, (starts[-1] - starts[0]).days // 40))
        stance.set_xlim(starts[0] - padding, starts[-1] + padding)  # the whole requested range, quiet periods too
    from matplotlib.dates import DateFormatter

    stance.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d" if rows and rows[0]["period"][5:6] == "W" else "%Y-%m"))
    for axis in (naming, stance):
        axis.grid(True, color="0.9")
    figure.autofmt_xdate()
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    # the title and series travel in the PNG's text chunks: a chart copied out of its folder still says what it shows
    figure.savefig(output, dpi=120, metadata={"Title": title, "Description": "; ".join(sorted(labels)),
                                              "Software": "Communique"})
    plt.close(figure)
    return output
