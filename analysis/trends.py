"""Naming and stance trends: one row per period and ministry for an actor, empty periods included.

Pure functions over the per-answer records of `corpus.analysis_store.actor_answer_records`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np

PERIODS = ("week", "month", "quarter")
CLASSES = ("named", "role", "oblique", "absent")
BOOTSTRAP_RESAMPLES = 2000
SMALL_COUNT = 5  # periods with fewer answers are flagged: their rates swing on one answer


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date


def period_of(date: dt.date, by: str) -> Period:
    if by == "week":
        start = date - dt.timedelta(days=date.weekday())
        iso = start.isocalendar()
        return Period(f"{iso.year}-W{iso.week:02d}", start, start + dt.timedelta(days=6))
    if by == "month":
        start = date.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return Period(start.strftime("%Y-%m"), start, following - dt.timedelta(days=1))
    if by == "quarter":
        quarter = (date.month - 1) // 3
        start = dt.date(date.year, 3 * quarter + 1, 1)
        following = dt.date(date.year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
        return Period(f"{date.year}-Q{quarter + 1}", start, following - dt.timedelta(days=1))
    raise ValueError(f"--by {by!r}: use one of {', '.join(PERIODS)}")


def periods_between(first: dt.date, last: dt.date, by: str) -> list[Period]:
    periods, current = [], period_of(first, by)
    while current.start <= last:
        periods.append(current)
        current = period_of(current.end + dt.timedelta(days=1), by)
    return periods


def bootstrap_interval(values: list[float], level: float = 0.95, seed: int = 0) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean; fixed seed, so an export is reproducible."""
    if not values:
        return None
    data = np.asarray(values, dtype=float)
    if len(data) == 1:
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(BOOTSTRAP_RESAMPLES, len(data)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


def _most_common(counter: Counter, n: int = 3) -> str:
    return "; ".join(f"{item} ({count})" for item, count in counter.most_common(n))


def trend_rows(
    records: list[dict],
    actor: str,
    by: str,
    ministries: dict[str, str],
    since: dt.date | None = None,
    until: dt.date | None = None,
    titles: dict[str, list[str]] | None = None,
) -> list[dict]:
    """Rows per (period, source), every period from `since` (or the first record) to `until`.

    `ministries` maps each source to report (a row even when it never mentions the actor)
    to its ministry's name.
    """
    titles = titles or {}
    dates = [dt.date.fromisoformat(r["date"]) for r in records]
    first = since or (min(dates) if dates else None)
    last = until or (max(dates) if dates else None)
    if first is None or last is None:
        return []
    groups: dict[tuple[str, str], list[dict]] = {}
    for record, date in zip(records, dates):
        groups.setdefault((period_of(date, by).label, record["source"]), []).append(record)
    rows = []
    for period in periods_between(first, last, by):
        for source, ministry in sorted(ministries.items()):
            group = groups.get((period.label, source), [])
            n = len(group)
            counts = Counter(r["in_answer"] for r in group)
            question_named = sum(r["in_question"] == "named" for r in group)
            avoided = sum(r["avoided"] for r in group)
            scores = [r["stance_score"] for r in group if r["stance_score"] is not None]
            interval = bootstrap_interval(scores)
            forms = Counter(form for r in group for form in r["forms"])
            used_titles = Counter(t for r in group for t in titles.get(r["answer_id"], []))
            row = {
                "period": period.label,
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                "source": source,
                "ministry": ministry,
                "actor": actor,
                "answers": n,
            }
            for cls in CLASSES:
                row[cls] = counts.get(cls, 0)
            for cls in CLASSES:
                row[f"{cls}_rate"] = counts.get(cls, 0) / n if n else None
            row.update({
                "question_named": question_named,
                "avoided": avoided,
                "avoidance_rate": avoided / question_named if question_named else None,
                "stance_n": len(scores),
                "stance_mean": float(np.mean(scores)) if scores else None,
                "stance_low": interval[0] if interval else None,
                "stance_high": interval[1] if interval else None,
                "top_forms": _most_common(forms),
                "top_titles": _most_common(used_titles),
                "small_count": n < SMALL_COUNT,
            })
            rows.append(row)
    return rows


def quote_rows(records: list[dict], actor: str, cls: str | None = None) -> list[dict]:
    """The answers about an actor with full provenance, filtered by how they refer to it."""
    rows = []
    for record in records:
        if cls == "avoided" and not record["avoided"]:
            continue
        if cls in CLASSES and record["in_answer"] != cls:
            continue
        rows.append({
            "date": record["date"],
            "ministry": record["ministry"],
            "source": record["source"],
            "spokesperson": record["spokesperson"],
            "url": record["url"],
            "actor": actor,
            "in_question": record["in_question"],
            "in_answer": record["in_answer"],
            "avoided": record["avoided"],
            "forms": record["forms"],
            "stance": record["stance"],
            "stance_score": record["stance_score"],
            "evidence": record["evidence"],
            "question": record["question"],
            "answer": record["answer"],
        })
    return rows
