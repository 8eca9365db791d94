"""Who a reported harm befalls and who does it, around the places a text refers to an actor.

A stance cue says little about whom it is for: "The U.S. strongly condemns violence against
protesters" condemns, and sides with the protesters; "Burma's military has committed
genocide" reports a harm its doer is blamed for. Read from the words around each form of
the actor — a harm noun followed by of/against/on and the actor ("the detention of
opposition supporters"), a harm verb with the actor as its object ("detained a Chinese
citizen"), the actor with a passive harm verb ("Mr. Bondarenko was beaten"), and for the
doer the actor followed by an active one ("Armenia launched", "the military committed").
An agent introduced by "by" is never the one harmed ("the attack launched by Armenia").

Pure functions over the text and the forms' offsets; the word lists are the `harm` section
of analysis/data/stance_lexicon.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .text import sentences

_WINDOW = 80  # characters read on each side of a form: a clause, not the paragraph
_WORD = r"(?:[\w’'.,-]+\s+)"
_NOT_BY = rf"(?:(?!by\b){_WORD})"  # "attack launched by X": X did it
_NOT_AUXILIARY = rf"(?:(?!(?:was|were|been|being|is|are|not|never|no)\b){_WORD})"  # "X was attacked", "X has never threatened"


@dataclass(frozen=True)
class HarmRoles:
    """Shares of an actor's forms in each position, in [0, 1]."""

    harmed: float = 0.0
    harmed_condemned: float = 0.0  # harmed, in a sentence that condemns it or asks it to end
    harming: float = 0.0


class HarmGrammar:
    def __init__(self, spec: dict):
        nouns = "|".join(spec["nouns"])
        verbs = "|".join(spec["verbs"])
        doings = "|".join(spec["doings"])
        self._object_of = re.compile(
            rf"(?:\b(?:{nouns})\s+(?:of|against|on|upon|towards?|targeting)\s+{_NOT_BY}{{0,4}}"
            rf"|\b(?:{verbs})\s+{_NOT_BY}{{0,3}})$", re.I)
        self._passive = re.compile(
            rf"^\s*{_WORD}{{0,2}}?(?:was|were|has been|have been|had been|being|been)\s+(?:\w+ly\s+)?(?:{verbs})\b", re.I)
        self._doer = re.compile(
            rf"^(?:’s|'s)?\s*{_NOT_AUXILIARY}{{0,3}}?(?:has|have|had|reportedly|allegedly|also|then)?\s*(?:{doings})",
            re.I)
        self._condemned = re.compile("|".join(rf"\b(?:{p})\b" for p in spec["condemnation"]), re.I)

    def roles(self, text: str, spans: Sequence[tuple[int, int]]) -> HarmRoles:
        """Where the forms at `spans` (start, end offsets in `text`) stand toward the harms the text reports."""
        if not spans:
            return HarmRoles()
        bounds = None  # split into sentences only when a harm is found: most forms have none
        harmed = condemned = harming = 0
        for start, end in spans:
            before, after = text[max(0, start - _WINDOW):start], text[end:end + _WINDOW]
            if self._object_of.search(before) or self._passive.search(after):
                harmed += 1
                bounds = bounds if bounds is not None else sentences(text)
                sentence = next((text[s:e] for s, e in bounds if s <= start < e), "")
                condemned += bool(self._condemned.search(sentence))
            harming += bool(self._doer.search(after))
        n = len(spans)
        return HarmRoles(harmed / n, condemned / n, harming / n)
