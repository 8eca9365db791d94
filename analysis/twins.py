"""`communique align`: link each Chinese briefing to its English translation and align their turns.

Reads the corpus, decides with `analysis.alignment` (pure functions) and stores through
`corpus.translations`. Incremental: a twin is aligned again only when the turns of either
briefing changed, or the method did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from corpus import Corpus
from corpus.progress import progress as progress_bar
from corpus.translations import (
    alignment_input,
    candidates_fingerprint,
    linked_from,
    mark_linked,
    document_texts,
    store_alignment,
    store_twins,
    stored_twins,
    twin_candidates,
)

from .alignment import METHOD_VERSION, Anchors, Briefing, align_turns, link_twins
from .chinese import ChineseMatcher
from .references import Matcher
from .registry import Registry


@dataclass
class AlignmentReport:
    twins: int
    realigned: int
    aligned_turns: int
    unaligned_turns: int


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


class _Anchoring:
    """Anchors of texts in either language, the registry's names read once per text."""

    def __init__(self, registry: Registry):
        self.english = Matcher(registry)
        self.chinese = ChineseMatcher(registry, english=self.english)

    def of(self, text: str, language: str) -> Anchors:
        if language == "zh":
            actors = [a for a, forms in self.chinese.names(text).items() for _ in forms]
            return Anchors.of_chinese(text, actors)
        actors = [a for a, forms in self.english.names(text).items() for _ in forms]
        return Anchors.of_english(text, actors)


def align_corpus(corpus: Corpus, registry: Registry, progress: bool = True) -> AlignmentReport:
    english, chinese = twin_candidates(corpus)
    if not english or not chinese:
        store_twins(corpus, [])
        return AlignmentReport(0, 0, 0, 0)
    # a briefing can have a twin only on a day (give or take one) that the other language has
    days = {language: {d["date"] for d in documents if d["date"]} for language, documents in (("en", english), ("zh", chinese))}
    near = {language: {_shift(day, k) for day in found for k in (-1, 0, 1)} for language, found in days.items()}
    english = [d for d in english if d["date"] in near["zh"]]
    chinese = [d for d in chinese if d["date"] in near["en"]]
    fingerprint = candidates_fingerprint(corpus, [d["id"] for d in english + chinese], f"{METHOD_VERSION} {registry.version}")
    if fingerprint == linked_from(corpus):
        return _report(corpus, 0)
    anchoring = _Anchoring(registry)
    texts = document_texts(corpus, [d["id"] for d in english + chinese])
    bar = progress_bar(len(english) + len(chinese), "linking translations", "briefing", enabled=progress)
    turn_anchors: dict[str, list[Anchors]] = {}
    briefings: dict[str, list[Briefing]] = {"en": [], "zh": []}
    for document in english + chinese:
        language = document["language"]
        anchors = [anchoring.of(segment["text"], language) for segment in texts[document["id"]]]
        turn_anchors[document["id"]] = anchors
        whole = Anchors(length=sum(a.length for a in anchors))
        for part in anchors:
            whole.numbers.update(part.numbers)
            whole.latin.update(part.latin)
            whole.actors.update(part.actors)
        briefings[language].append(Briefing(document["id"], document["date"], document["kind"], whole))
        bar.update(1)
    bar.close()
    twins = link_twins(briefings["en"], briefings["zh"], _shift)
    store_twins(corpus, [{"zh_document_id": t.zh, "en_document_id": t.en, "score": t.score, "method": t.method}
                         for t in twins])
    current = stored_twins(corpus)
    realigned = 0
    for twin in twins:
        zh_turns, en_turns = texts[twin.zh], texts[twin.en]
        wanted = alignment_input(zh_turns, en_turns, METHOD_VERSION)
        pairs = None
        if current[twin.zh]["input_sha256"] != wanted:
            pairs = align_turns([s["kind"] for s in zh_turns], [s["kind"] for s in en_turns],
                                turn_anchors[twin.zh], turn_anchors[twin.en])
            rows = [{"zh_segment_id": zh_turns[p.zh]["id"] if p.zh is not None else None,
                     "en_segment_id": en_turns[p.en]["id"] if p.en is not None else None,
                     "kind": (zh_turns[p.zh] if p.zh is not None else en_turns[p.en])["kind"],
                     "score": p.score, "method": p.method, "anchors": p.anchors} for p in pairs]
            store_alignment(corpus, twin.zh, rows, wanted)
            realigned += 1
    mark_linked(corpus, fingerprint)
    return _report(corpus, realigned)


def _report(corpus: Corpus, realigned: int) -> AlignmentReport:
    twins = stored_twins(corpus).values()
    return AlignmentReport(len(twins), realigned, sum(t["aligned"] for t in twins),
                           sum(t["unaligned_zh"] + t["unaligned_en"] for t in twins))
