"""The plain lexical baseline every figure is reported beside.

Names give `named`, every descriptor an actor's entry lists gives `role` (no context
needed), and a dozen fixed phrases give `oblique` to every actor the text does not name
or describe. Stance is zero-shot: the prototype statement of support, opposition or
neutrality closest, in embedding space, to the answer's sentences about the actor.
"""

from __future__ import annotations

import re

from .reading import Reading, Turn
from .references import Form, Matcher, Reference, Titles
from .registry import Registry
from .text import fold

FIXED_PHRASES = (
    "all parties", "all relevant parties", "relevant parties", "the parties concerned", "both sides",
    "some countries", "a certain country", "certain countries", "external forces", "foreign interference",
    "certain politicians", "those responsible",
)
_PHRASES = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in FIXED_PHRASES) + r")\b", re.I)


class LexicalReader:
    method = "lexical"

    def __init__(self, registry: Registry):
        self.registry = registry
        self.matcher = Matcher(registry, Titles())

    def _text(self, text: str) -> dict[str, Reference]:
        found = {a: Reference(a, "named", forms) for a, forms in self.matcher.names(text).items()}
        for listed in self.matcher.listed_roles(text):
            if listed.actor not in found:
                found[listed.actor] = Reference(listed.actor, "role", [listed.form])
            elif found[listed.actor].cls == "role":
                found[listed.actor].forms.append(listed.form)
        return found

    def read(self, turn: Turn) -> Reading:
        answer = self._text(turn.text)
        phrases = [Form(turn.text[m.start():m.end()], m.start(), m.end(), "oblique", category="fixed")
                   for m in _PHRASES.finditer(fold(turn.text))]
        return _Everyone(self._text(turn.question or ""), answer, phrases)


class _Everyone(Reading):
    """A reading in which the fixed phrases point at every actor left unnamed."""

    def answer_class(self, actor_id: str) -> str:
        ref = self.answer.get(actor_id)
        if ref:
            return ref.cls
        return "oblique" if self.phrases else "absent"

    def answer_reference(self, actor_id: str) -> Reference:
        if actor_id in self.answer:
            return self.answer[actor_id]
        return Reference(actor_id, "oblique", list(self.phrases)) if self.phrases else Reference(actor_id, "absent")
