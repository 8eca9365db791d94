"""Names the corpus uses that the registry does not know: what a scholar may want to add.

Capitalised runs of words ("Juan Guaido", "Hayat Tahrir al-Sham") and state-plus-head
descriptors the role vocabulary does not cover, counted over the ministries' own turns,
leaving out what any actor's names already match and words that open sentences.
"""

from __future__ import annotations

import re
from collections import Counter

from corpus.schema import OWN_KINDS

from .references import CALENDAR_WORDS, Matcher, Titles
from .registry import Registry
from .text import fold

_NAME = re.compile(r"(?<![\w'-])(?:[A-Z][\w'-]+|of|the|and|al|bin|de|la|von|van)(?:\s+(?:[A-Z][\w'-]+|of|the|and|al|bin|de|la|von|van))*")
_EDGE = re.compile(r"^(?:(?:of|the|and|al|bin|de|la|von|van)\s+)+|(?:\s+(?:of|the|and|al|bin|de|la|von|van))+$")


_TITLE = re.compile(
    r"^(?:The|Mr\.?|Ms\.?|Mrs\.?|Dr\.?|President|Vice President|Prime Minister|Premier|Foreign Minister|Minister|"
    r"Secretary(?:-General)?|Director(?:-General)?|Ambassador|Chairman|Chancellor|Senator|Speaker|General|King|"
    r"Crown Prince|Spokesperson|State Councilor|Councilor|Deputy|Special Envoy|Envoy|Premier)\s+")


# Capitalised for opening a sentence, not for naming anything: stripped from a name's front
# there ("On January", "In Hubei Province"); month and day names are dates, and a few words
# stand capitalised mid-sentence after a quotation mark.
_OPENERS = ("On In At As For With From By To After Before During Since Under Regarding This That These Those Our "
            "We It Its Their They He She His Her Some All Both Each Every Any When While If But And Yet So Last "
            "Next Early Late").split()
_OPENER = re.compile(rf"^(?:{'|'.join(_OPENERS)})\s+")
_NOT_NAMES = frozenset([*_OPENERS, *CALENDAR_WORDS, "The", "A", "An", "I", "I'm", "I'd", "I've", "I'll"])


def _strip_front(name: str, sentence_start: bool) -> str:
    """The name without the titles before it ("Ambassador McCallum") and, opening a sentence,
    without the words capitalised for that ("In Hubei Province")."""
    while True:
        shorter = _TITLE.sub("", name)
        if sentence_start:
            shorter = _OPENER.sub("", shorter)
        if shorter == name:
            return name
        name = shorter


def candidate_names(text: str) -> list[tuple[str, int]]:
    """(name, offset) of the capitalised runs of `text` that may name someone."""
    out = []
    for match in _NAME.finditer(text):
        whole = re.sub(r"['’]s$", "", _EDGE.sub("", match.group()).strip())
        start = match.start()
        before = text[max(0, start - 2) : start]
        sentence_start = start == 0 or re.search(r"[.!?:\n]\s*$", before) is not None
        name = _strip_front(whole, sentence_start)
        if not name or not name[0].isupper() or all(word in _NOT_NAMES for word in name.split()):
            continue
        if sentence_start and name == whole and " " not in name:
            continue  # one capitalised word opening a sentence is no evidence of a name
        if len(name) > 2:
            out.append((name, text.find(name, start)))
    return out


def unknown_names(corpus, registry: Registry, limit: int = 50, kinds=OWN_KINDS) -> list[tuple[str, int, str]]:
    """(name, count, an example sentence) for the most frequent names no actor matches."""
    matcher = Matcher(registry, Titles())
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    placeholders = ",".join("?" * len(kinds))
    for (text,) in corpus.db.execute(f"SELECT text FROM segments WHERE kind IN ({placeholders})", list(kinds)):
        known = [(f.start, f.end) for forms in matcher.names(text).values() for f in forms]
        for name, start in candidate_names(text):
            if any(start < e and s < start + len(name) for s, e in known):
                continue  # holds a known name: a title or a phrase around it
            if matcher.alias_pattern is not None and matcher.alias_pattern.fullmatch(fold(name)):
                continue
            counts[name] += 1
            examples.setdefault(name, text[max(0, start - 60) : start + len(name) + 60].replace("\n", " "))
    return [(name, count, examples[name]) for name, count in counts.most_common(limit)]
