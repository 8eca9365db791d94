"""How each ministry named and judged one actor over the same days: one column per ministry.

Pure functions over the per-turn records of `corpus.queries.compare_records` (the
ministries' own turns — answers and statements, never the journalists' questions — that
refer to the actor, whose question does, or that belong to an event about it: a ministry
that spoke of the matter and named no one is a column too) and their reference forms. The page
(`/-/compare`, `/-/event/<id>`) and `communique export compare` show the same columns.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .trends import bootstrap_interval
from .yamlfile import load_yaml

CLASSES = ("named", "role", "oblique", "absent")
LEGITIMACY_FILE = Path(__file__).parent / "data" / "legitimacy.yaml"
QUOTES_OR_SPACE = r"[\s\"'“”‘’]+"
SENTENCE_END = re.compile(r"(?<=[.!?。])[\"'”’)]*\s+|\n+")


@dataclass(frozen=True)
class Legitimacy:
    """Which titles confer legitimacy on their bearer and which deny it (data/legitimacy.yaml)."""

    denies: re.Pattern
    confers: re.Pattern

    @classmethod
    def load(cls, path: str | Path = LEGITIMACY_FILE) -> "Legitimacy":
        data = load_yaml(Path(path).read_text(encoding="utf-8"))

        def pattern(words):
            alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I)

        return cls(pattern(data["denies"]), pattern(data["confers"]))

    def of(self, title: str | None) -> str | None:
        """'denies', 'confers', or None for a title that does neither (or no title)."""
        if not title:
            return None
        if self.denies.search(title):
            return "denies"
        if self.confers.search(title):
            return "confers"
        return None


@lru_cache(maxsize=1)
def default_legitimacy() -> Legitimacy:
    return Legitimacy.load()


def phrase_span(text: str, start: int, end: int, title: str | None) -> tuple[int, int]:
    """The form's span widened to the title's words where they stand next to it in the text.

    "interim President" before "Juan Guaidó" gives "interim President Juan Guaidó"; a
    title after the name ("... regime") widens it to the right.
    """
    if not title:
        return start, end
    for part in (p.strip() for p in title.split("...")):
        if not part:
            continue
        words = QUOTES_OR_SPACE.join(re.escape(w) for w in re.findall(r"[\w.-]+", part))
        if not words:
            continue
        before = re.search(rf"(?<![\w-])(?:{words}){QUOTES_OR_SPACE[:-1]}*$", text[max(0, start - 80) : start], re.I)
        if before:
            start = max(0, start - 80) + before.start()
            continue
        after = re.match(rf"(?:'s)?\s+(?:{words})(?![\w-])", text[end : end + 40], re.I)
        if after:
            end += after.end()
    return start, end


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or sentences) of `text` that hold the span [start, end)."""
    first, last = 0, len(text)
    for match in SENTENCE_END.finditer(text):
        if match.end() <= start:
            first = match.end()
        elif match.start() >= end:
            last = match.start()
            break
    return first, last


def quote_of(record: dict, forms: list[dict], max_chars: int = 400) -> dict:
    """The words to quote from a turn: the sentence of its first form, or its stance evidence, or its opening.

    Returns the quote and its forms re-based to it (for marking).
    """
    text = record["text"]
    if forms:
        first, last = sentence_bounds(text, forms[0]["start"], forms[0]["end"])
    else:
        evidence = next((e for e in record.get("evidence") or [] if e in text), None)
        if evidence:
            first = text.index(evidence)
            last = first + len(evidence)
        else:
            first, last = sentence_bounds(text, 0, 1)
    if last - first > max_chars:
        last = first + max_chars
        while last > first and not text[last - 1].isspace():
            last -= 1
    inside = [{**f, "start": f["start"] - first, "end": f["end"] - first} for f in forms
              if f["start"] >= first and f["end"] <= last]
    quote = text[first:last].strip()
    shift = len(text[first:last]) - len(text[first:last].lstrip())
    inside = [{**f, "start": f["start"] - shift, "end": f["end"] - shift} for f in inside]
    return {"quote": quote + ("…" if last < len(text.rstrip()) and quote[-1:] not in ".!?\"”" else ""),
            "quote_forms": inside}


def _titles(counter: Counter, legitimacy: Legitimacy) -> list[dict]:
    return [{"text": title, "count": count, "legitimacy": legitimacy.of(title)}
            for title, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def _forms(counter: Counter, titles: dict, legitimacy: Legitimacy) -> list[dict]:
    """Forms by class (named, then by role, then oblique), the most used first."""
    order = {cls: n for n, cls in enumerate(CLASSES)}
    return [{"text": text, "class": cls, "count": count, "title": titles.get((text, cls)),
             "legitimacy": legitimacy.of(titles.get((text, cls)))}
            for (text, cls), count in sorted(counter.items(), key=lambda kv: (order.get(kv[0][1], 9), -kv[1], kv[0]))]


def ministry_column(key: str, ministry: dict, records: list[dict], forms: dict[str, list[dict]],
                    legitimacy: Legitimacy) -> dict:
    """One ministry's column: counts per naming class, forms and titles, avoidance, stance, quotes."""
    classes = Counter(r["in_answer"] for r in records)
    phrases: Counter[tuple[str, str]] = Counter()
    phrase_titles: dict[tuple[str, str], str | None] = {}
    titles: Counter[str] = Counter()
    quotes = []
    for record in records:
        own = sorted(forms.get(record["segment_id"], []), key=lambda f: f["start"])
        for form in own:
            start, end = phrase_span(record["text"], form["start"], form["end"], form.get("title"))
            phrase = (" ".join(record["text"][start:end].split()), form["class"])
            phrases[phrase] += 1
            phrase_titles.setdefault(phrase, form.get("title"))
            if form.get("title"):
                titles[form["title"]] += 1
        used = sorted({f["title"] for f in own if f.get("title")})
        quotes.append({
            "segment_id": record["segment_id"], "date": record["date"], "kind": record["kind"],
            "spokesperson": record["spokesperson"], "url": record["url"], "source": record["source"],
            "class": record["in_answer"], "avoided": bool(record["avoided"]), "titles": used,
            "event_only": bool(record.get("event_only")),
            "legitimacy": sorted({legitimacy.of(t) for t in used} - {None}),
            "stance": record["stance"], "stance_score": record["stance_score"],
            **quote_of(record, own),
        })
    scores = [r["stance_score"] for r in records if r["stance_score"] is not None]
    interval = bootstrap_interval(scores)
    question_named = sum(r["in_question"] == "named" for r in records)
    avoided = sum(bool(r["avoided"]) for r in records)
    title_list = _titles(titles, legitimacy)
    kinds = {entry["legitimacy"] for entry in title_list} - {None}
    return {
        "key": key,
        "ministry": ministry["name"],
        "country": ministry.get("country"),
        "sources": ministry.get("sources", []),
        "turns": len(records),
        "answers": sum(r["kind"] == "answer" for r in records),
        "statements": sum(r["kind"] == "statement" for r in records),
        **{cls: classes.get(cls, 0) for cls in CLASSES},
        "named_rate": classes.get("named", 0) / len(records) if records else None,
        "question_named": question_named,
        "avoided": avoided,
        "avoidance_rate": avoided / question_named if question_named else None,
        "forms": _forms(phrases, phrase_titles, legitimacy),
        "titles": title_list,
        "legitimacy": ("mixed" if len(kinds) > 1 else next(iter(kinds)) if kinds
                       else "unnamed" if not classes.get("named") else "no title"),
        "stance_n": len(scores),
        "stance_mean": float(np.mean(scores)) if scores else None,
        "stance_low": interval[0] if interval else None,
        "stance_high": interval[1] if interval else None,
        "first_date": min((r["date"] for r in records), default=None),
        "last_date": max((r["date"] for r in records), default=None),
        "quotes": quotes,
    }


def compare_columns(records: list[dict], forms: dict[str, list[dict]], ministries: dict[str, dict],
                    legitimacy: Legitimacy | None = None) -> list[dict]:
    """One column per ministry with turns about the actor, the busiest first (then by name).

    `forms` are each turn's reference forms for the actor (start, end, form, title, class);
    `ministries` maps a ministry key to its name, country and sources.
    """
    legitimacy = legitimacy or default_legitimacy()
    groups: dict[str, list[dict]] = {}
    for record in records:
        groups.setdefault(record["ministry"], []).append(record)
    columns = [ministry_column(key, ministries.get(key, {"name": key}), group, forms, legitimacy)
               for key, group in groups.items()]
    return sorted(columns, key=lambda c: (-c["turns"], c["ministry"]))


def _overlap(a: dict, b: dict) -> bool:
    return a["stance_low"] <= b["stance_high"] and b["stance_low"] <= a["stance_high"]


def differences(columns: list[dict], actor_name: str) -> list[dict]:
    """What sets the ministries apart, as sentences a reader can check in the columns below.

    Titles that confer or deny legitimacy, ministries that never named the actor, and
    mean stances (of two turns or more) whose 95% intervals do not overlap. Each: {"kind", "ministries", "text"}.
    Marks each column's `differs` with the kinds it stands out by.
    """
    found = []
    for column in columns:
        column["differs"] = []
    kinds = {c["legitimacy"] for c in columns}
    for column in columns:
        confers = [t["text"] for t in column["titles"] if t["legitimacy"] == "confers"]
        denies = [t["text"] for t in column["titles"] if t["legitimacy"] == "denies"]
        if confers and len(kinds) > 1:
            found.append({"kind": "confers", "ministries": [column["key"]],
                          "text": f"{column['ministry']} gives {actor_name} titles that confer legitimacy: "
                                  + ", ".join(f"“{t}”" for t in confers) + "."})
            column["differs"].append("confers")
        if denies and len(kinds) > 1:
            found.append({"kind": "denies", "ministries": [column["key"]],
                          "text": f"{column['ministry']} uses titles that deny it: "
                                  + ", ".join(f"“{t}”" for t in denies) + "."})
            column["differs"].append("denies")
    if len(columns) > 1 and any(c["named"] for c in columns):
        for column in columns:
            if not column["named"]:
                avoided = (f", {column['avoided']} of them answers to a question that named {actor_name}"
                           if column["avoided"] else "")
                found.append({"kind": "unnamed", "ministries": [column["key"]],
                              "text": f"{column['ministry']} never names {actor_name} in {column['turns']} "
                                      f"turn{'s' if column['turns'] != 1 else ''}{avoided}."})
                column["differs"].append("unnamed")
    judged = [c for c in columns if c["stance_n"] >= 2]  # one answer's score is no interval
    for n, a in enumerate(judged):
        for b in judged[n + 1 :]:
            if not _overlap(a, b):
                low, high = sorted((a, b), key=lambda c: c["stance_mean"])
                found.append({"kind": "stance", "ministries": [high["key"], low["key"]],
                              "text": f"{high['ministry']}'s stance ({high['stance_mean']:+.2f}) is above "
                                      f"{low['ministry']}'s ({low['stance_mean']:+.2f}); their 95% intervals do not overlap."})
                for column in (a, b):
                    if "stance" not in column["differs"]:
                        column["differs"].append("stance")
    return found
