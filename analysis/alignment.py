"""The English transcripts as translations of the Chinese: which briefing renders which, and turn by turn.

Pure functions over plain rows, no model: content anchors that survive translation —
numbers (dates too: "1月23日" and "January 23" share 1 and 23), words in Latin script in
the Chinese text ("SPV", "5G", "NSG"), and the actors both texts name (the registry's
names in each language) — plus the length ratio of the two texts.

- `link_twins`: each English briefing to the Chinese one of the same date and kind (a
  press conference, or remarks / 答记者问); where a day has several, the one whose
  anchors agree best; one to one.
- `align_turns`: the turns of two twins by dynamic programming, question with question,
  answer with answer, statement with statement, in order. Every kind-compatible pair
  earns a match bonus plus its anchor similarity, a skipped turn costs a gap, so twins
  whose turns correspond one to one align on the diagonal ("position"), and where a
  turn was omitted or merged the anchors decide which one ("anchors"); a turn with no
  counterpart is marked unaligned.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

METHOD_VERSION = "align-2"
MATCH_BONUS = 1.0
GAP = -0.35
# English characters per Chinese character in these transcripts (median over the 2019 twins
# of the demo corpus: 3.1); the length score falls off with the log of the deviation.
LENGTH_RATIO = 3.1
CONFERENCE, REMARKS = "conference", "remarks"
KIND_CLASSES = {
    "Regular Press Conference": CONFERENCE, "Daily Briefing Online": CONFERENCE, "Press Conference": CONFERENCE,
    "例行记者会": CONFERENCE, "网上例行记者会": CONFERENCE,
}
_MONTHS = {name: str(number) for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), 1)}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
_MONTH_WORD = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b", re.I)


def kind_class(kind: str | None) -> str:
    return KIND_CLASSES.get(kind or "", REMARKS)


def numbers(text: str) -> Counter:
    """Numbers as written with digits, thousands separators dropped; an English month name is its number."""
    found = Counter(n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text))
    found.update(_MONTHS[m.lower()] for m in _MONTH_WORD.findall(text))
    return found


def latin_words(text: str) -> Counter:
    """Words in Latin script of a Chinese text, lower-cased ("SPV", "Badger", "5G" is a number)."""
    return Counter(w.lower() for w in _LATIN.findall(text) if len(w) > 1)


@dataclass
class Anchors:
    """What a turn says that survives translation."""

    numbers: Counter = field(default_factory=Counter)
    latin: Counter = field(default_factory=Counter)  # Chinese side: its Latin words; English side: every word
    actors: Counter = field(default_factory=Counter)
    length: int = 0

    @classmethod
    def of_chinese(cls, text: str, actors: Sequence[str] = ()) -> Anchors:
        return cls(numbers(text), latin_words(text), Counter(actors), len(text))

    @classmethod
    def of_english(cls, text: str, actors: Sequence[str] = ()) -> Anchors:
        return cls(numbers(text), Counter(w.lower() for w in _LATIN.findall(text)), Counter(actors), len(text))


def _shared(a: Counter, b: Counter) -> int:
    return sum((a & b).values())


def similarity(zh: Anchors, en: Anchors) -> tuple[float, list[str]]:
    """(score in [0, 1], the shared anchors) of a Chinese turn and an English one.

    Dice of the anchor multisets (numbers, the Chinese side's Latin words found in the
    English, actors), blended with how close the length ratio is to the usual one.
    """
    latin_found = Counter({w: min(n, en.latin[w]) for w, n in zh.latin.items() if en.latin[w]})
    shared = _shared(zh.numbers, en.numbers) + sum(latin_found.values()) + _shared(zh.actors, en.actors)
    total = (sum(zh.numbers.values()) + sum(en.numbers.values()) + 2 * sum(zh.latin.values())
             + sum(zh.actors.values()) + sum(en.actors.values()))
    ratio = (en.length + 1) / (zh.length + 1)
    length = math.exp(-abs(math.log(ratio / LENGTH_RATIO)) * 1.5)
    if total == 0:
        return 0.5 * length, []
    dice = 2 * shared / total
    evidence = sorted((zh.numbers & en.numbers).keys()) + sorted(latin_found) + sorted((zh.actors & en.actors).keys())
    return 0.7 * dice + 0.3 * length, evidence


@dataclass(frozen=True)
class Pair:
    """One row of an alignment: indexes into the two turn lists, None where a turn has no counterpart."""

    zh: int | None
    en: int | None
    score: float | None
    method: str  # position | anchors | unaligned
    anchors: tuple[str, ...] = ()


def align_turns(zh_kinds: Sequence[str], en_kinds: Sequence[str], zh_anchors: Sequence[Anchors],
                en_anchors: Sequence[Anchors]) -> list[Pair]:
    """Monotone alignment of two twins' turns, kinds kept apart (see the module's docstring)."""
    n, m = len(zh_kinds), len(en_kinds)
    sims: dict[tuple[int, int], tuple[float, list[str]]] = {}

    def sim(i: int, j: int) -> tuple[float, list[str]]:
        if (i, j) not in sims:
            sims[i, j] = similarity(zh_anchors[i], en_anchors[j])
        return sims[i, j]

    # best[i][j]: the best score of aligning zh[:i] with en[:j]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[""] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        best[i][0], move[i][0] = best[i - 1][0] + GAP, "zh"
    for j in range(1, m + 1):
        best[0][j], move[0][j] = best[0][j - 1] + GAP, "en"
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            options = [(best[i - 1][j] + GAP, "zh"), (best[i][j - 1] + GAP, "en")]
            if zh_kinds[i - 1] == en_kinds[j - 1]:
                options.append((best[i - 1][j - 1] + MATCH_BONUS + sim(i - 1, j - 1)[0], "match"))
            best[i][j], move[i][j] = max(options, key=lambda option: option[0])
    pairs: list[Pair] = []
    i, j = n, m
    same_shape = list(zh_kinds) == list(en_kinds)
    while i > 0 or j > 0:
        step = move[i][j]
        if step == "match":
            score, shared = sim(i - 1, j - 1)
            method = "position" if same_shape and i == j else "anchors"
            pairs.append(Pair(i - 1, j - 1, round(score, 4), method, tuple(shared)))
            i, j = i - 1, j - 1
        elif step == "zh":
            pairs.append(Pair(i - 1, None, None, "unaligned"))
            i -= 1
        else:
            pairs.append(Pair(None, j - 1, None, "unaligned"))
            j -= 1
    return pairs[::-1]


@dataclass(frozen=True)
class Briefing:
    """What twin linking needs of a briefing."""

    id: str
    date: str | None
    kind: str | None
    anchors: Anchors


@dataclass(frozen=True)
class Twin:
    zh: str
    en: str
    score: float
    method: str  # same-day | next-day | same-day-other-kind


def link_twins(english: Sequence[Briefing], chinese: Sequence[Briefing],
               day_shift: Callable[[str, int], str]) -> list[Twin]:
    """Each English briefing to its Chinese original, one to one (see the module's docstring)."""
    by_date: dict[str, list[Briefing]] = {}
    for briefing in chinese:
        if briefing.date:
            by_date.setdefault(briefing.date, []).append(briefing)
    candidates: list[tuple[float, int, Briefing, Briefing, str]] = []
    for en in english:
        if not en.date:
            continue
        tiers = (
            ("same-day", [en.date], True),
            ("next-day", [day_shift(en.date, 1), day_shift(en.date, -1)], True),
            ("same-day-other-kind", [en.date], False),
        )
        for rank, (method, dates, same_kind) in enumerate(tiers):
            found = [zh for date in dates for zh in by_date.get(date, [])
                     if (kind_class(zh.kind) == kind_class(en.kind)) == same_kind]
            for zh in found:
                candidates.append((similarity(zh.anchors, en.anchors)[0] - rank, rank, en, zh, method))
    twins, taken_en, taken_zh = [], set(), set()
    for score, rank, en, zh, method in sorted(candidates, key=lambda c: (c[1], -c[0])):
        if en.id in taken_en or zh.id in taken_zh:
            continue
        taken_en.add(en.id)
        taken_zh.add(zh.id)
        twins.append(Twin(zh.id, en.id, round(score + rank, 4), method))
    return twins
