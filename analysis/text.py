"""Text helpers shared by the analysis: diacritic folding that keeps offsets, sentences, word lists as regexes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable


def _fold_character(character: str) -> str:
    if character in "’‘":
        return "'"
    if character in "“”":
        return '"'
    decomposed = unicodedata.normalize("NFKD", character)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base[:1] if len(base) >= 1 else character


class _FoldTable(dict):
    """code point -> its folded character, filled as characters are first met: `str.translate`
    then folds a text at C speed (the reading folds every text several times)."""

    def __missing__(self, codepoint: int) -> str:
        folded = self[codepoint] = _fold_character(chr(codepoint))
        return folded


_FOLDED = _FoldTable()


def fold(text: str) -> str:
    """Strip diacritics character by character, so offsets in the result are offsets in `text`.

    "Guaidó" -> "Guaido"; curly quotes become straight ones, so "Maduro’s" reads as "Maduro's".
    """
    if text.isascii():
        return text  # nothing to fold: every character is its own base, and the quotes are straight
    return text.translate(_FOLDED)


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”']?\s+(?=[\"“A-Z0-9])")
# A full stop after a title or an initial does not end the sentence: "Mr. Bondarenko",
# "Michael R. Pompeo", "S. Jaishankar", "the U.S. Government".
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Lt|Col|Capt|Maj|Adm|Sgt|Sen|Rep|Gov|Amb|Hon|Rev|Jr|Sr|Mt|No|Nos|Art|Vol|vs)"
    r"|(?<![\w.])[A-Z]|\b(?:[A-Z]\.)+[A-Z])\.$"
)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`; paragraphs always end a sentence."""
    spans = []
    for paragraph in re.finditer(r"[^\n]+", text):
        start = paragraph.start()
        for boundary in _SENTENCE_END.finditer(paragraph.group()):
            end = paragraph.start() + boundary.start()
            if _ABBREVIATION.search(text, max(start, end - 12), end):
                continue
            if text[start:end].strip():
                spans.append((start, end))
            start = paragraph.start() + boundary.end()
        if text[start : paragraph.end()].strip():
            spans.append((start, paragraph.end()))
    return spans


def alternation(forms: Iterable[str], space: str | None = None) -> str:
    """A regex matching any of `forms`, written as a trie: `re` then follows one branch per
    character instead of trying each of thousands of names at every position (the registry's
    aliases made the reading's name search half its time). Where several forms start at a
    position it takes the longest that lets the rest of the pattern match, as an alternation
    sorted longest first does: for a pattern compiled with re.I, give the forms in one case.
    `space`: the regex a space in a form stands for (`\\s+`)."""
    trie: dict = {}
    for form in forms:
        node = trie
        for character in form:
            node = node.setdefault(character, {})
        node[""] = {}  # a form ends here

    def write(node: dict) -> str:
        branches = [(space if space and c == " " else re.escape(c)) + write(child)
                    for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return write(trie) if trie else "(?!)"
