"""Naming and avoidance for a question/answer pair: which actors each text refers to, and how.

The question is read on its own. The answer is read with the question as context: an
actor the question refers to and the answer does not name may still be pointed at by an
oblique phrase ("all relevant parties", "foreign interference"); `analysis.oblique`
decides which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .oblique import Candidate, points_at
from .references import STRENGTH, Lexicon, Matcher, Reference, lexical_reference
from .registry import Registry


@dataclass
class PairReading:
    question: dict[str, Reference]
    answer: dict[str, Reference]

    def avoided(self) -> list[str]:
        """Actors the question names and the answer does not."""
        return [
            actor
            for actor, ref in self.question.items()
            if ref.cls == "named" and self.answer[actor].cls != "named"
        ]


class NamingAnalyzer:
    def __init__(self, registry: Registry, lexicon: Lexicon | None = None):
        self.registry = registry
        self.lexicon = lexicon or Lexicon()
        self.matcher = Matcher(registry, self.lexicon)

    def read_pair(self, question: str | None, answer: str, actor_ids: Iterable[str] | None = None) -> PairReading:
        """References of the question on its own, and of the answer in the light of the question.

        With `actor_ids`, exactly those actors are read (absent ones included); without,
        every actor either text refers to.
        """
        reading, candidates = self._lexical_pair(question or "", answer or "", actor_ids)
        for candidate in candidates:
            if points_at(candidate):
                reading.answer[candidate.actor.id] = Reference(candidate.actor.id, "oblique", candidate.forms)
        return reading

    def read_text(self, text: str) -> dict[str, Reference]:
        """References of a text read alone (a statement): named or role only."""
        found = self.matcher.lexical_forms(text or "")
        references = {i: lexical_reference(self.registry[i], forms) for i, forms in found.items()}
        return {i: ref for i, ref in references.items() if ref.cls != "absent"}

    def candidates(self, question: str | None, answer: str, actor_ids: Iterable[str] | None = None) -> list[Candidate]:
        return self._lexical_pair(question or "", answer or "", actor_ids)[1]

    def _lexical_pair(self, question: str, answer: str, actor_ids) -> tuple[PairReading, list[Candidate]]:
        q_found = self.matcher.lexical_forms(question)
        a_found = self.matcher.lexical_forms(answer)
        if actor_ids is not None:
            # The actors are given (as in labelled data), so generic roles may refer to them.
            ids = list(actor_ids)
            context = set(ids)
            q_refs = {i: lexical_reference(self.registry[i], q_found.get(i, []), in_context=True) for i in ids}
        else:
            q_refs = {i: lexical_reference(self.registry[i], forms) for i, forms in q_found.items()}
            q_refs = {i: ref for i, ref in q_refs.items() if ref.cls != "absent"}
            ids = sorted(set(q_refs) | set(a_found))
            context = set(q_refs)  # the answer's generic roles may point at what the question raised
        a_refs = {i: lexical_reference(self.registry[i], a_found.get(i, []), in_context=i in context) for i in ids}
        for i in ids:
            q_refs.setdefault(i, Reference(i, "absent"))
        phrases = self.lexicon.oblique_forms(answer)
        candidates = []
        if phrases:
            for actor_id, q_ref in q_refs.items():
                if STRENGTH[q_ref.cls] < STRENGTH["role"] or a_refs[actor_id].cls != "absent":
                    continue
                actor = self.registry[actor_id]
                compatible = [form for form in phrases if actor.kind in self.lexicon.kinds_of(form)]
                if compatible:
                    candidates.append(Candidate(actor, q_ref, compatible, question, answer))
        return PairReading(q_refs, a_refs), candidates
