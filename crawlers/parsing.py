"""Pure functions shared by every source's parser: paragraphs, speaker labels, turns.

Nothing here knows Scrapy: functions take HTML elements or text and return plain values,
so they are tested on saved pages directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import html as lxml_html

from corpus.records import Segment


class LayoutError(ValueError):
    """The page does not match the layout the parser expects."""


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool


_SPACE = re.compile(r"\s+")
_BOLD_TAGS = {"b", "strong"}
_SKIPPED_TAGS = {"script", "style", "noscript"}


def clean_text(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\xa0", " ").replace("\u3000", " ")).strip()


def _is_bold(element) -> bool:
    if element.tag in _BOLD_TAGS:
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    return "font-weight:bold" in style or "font-weight:700" in style


_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "table", "tr", "td", "th", "blockquote", "section", "article", "center", "pre",
}


def _paragraph(pieces: list) -> Paragraph | None:
    text = clean_text("".join(piece[1] for piece in pieces))
    if not any(character.isalnum() for character in text):
        return None  # empty, or a decorative rule such as "※※※※※※"
    letters = sum(len(piece[1].strip()) for piece in pieces)
    bold_letters = sum(len(piece[1].strip()) for piece in pieces if piece[2])
    return Paragraph(text=text, bold=letters > 0 and bold_letters * 2 >= letters)


def _split_on_double_breaks(pieces: list) -> list[list]:
    """Cut a run of ("text", str, bold) / ("br",) pieces where two breaks meet."""
    runs: list[list] = [[]]
    breaks = 0
    for piece in pieces:
        if piece[0] == "br":
            breaks += 1
            continue
        if not piece[1].strip() and breaks:
            continue  # whitespace between breaks does not separate them
        if breaks >= 2:
            runs.append([])
        elif breaks == 1:
            runs[-1].append(("text", " ", False))
        breaks = 0
        runs[-1].append(piece)
    return runs


def paragraphs_of(element) -> list[Paragraph]:
    """The non-empty paragraphs of a body element, in reading order, each text once.

    Every block element (p, div, li...) bounds a paragraph, and so does `<br><br>`;
    text that malformed markup leaves outside any `<p>` forms its own paragraph rather
    than being lost. Image-only paragraphs vanish: they have no text. Bold is measured
    on the letters, so a question set in `<B><SPAN>` pieces still reads as bold.
    """
    result: list[Paragraph] = []
    current: list = []

    def flush() -> None:
        for run in _split_on_double_breaks(current):
            paragraph = _paragraph(run)
            if paragraph:
                result.append(paragraph)
        current.clear()

    def walk(node, bold: bool) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if not tag or tag in _SKIPPED_TAGS:
            return
        if tag == "br":
            current.append(("br",))
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        bold = bold or _is_bold(node)
        if node.text:
            current.append(("text", node.text, bold))
        for child in node:
            walk(child, bold)
            if child.tail:
                current.append(("text", child.tail, bold))
        if block:
            flush()

    walk(element, False)
    flush()
    return result


def parse_html(html: str | bytes):
    """An lxml tree of a page; raises LayoutError on an empty document."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not html.strip():
        raise LayoutError("the page is empty")
    return lxml_html.document_fromstring(html)


_LABEL = re.compile(r"^(?P<label>[^:：]{1,80}?)\s*[:：]\s*(?P<rest>.*)$", re.S)
_LABEL_CONNECTORS = {"of", "the", "and", "&", "de", "du", "la", "el", "for", "news"}


def split_label(text: str) -> tuple[str, str] | None:
    """("CCTV", "rest...") for "CCTV: rest...", or None when the paragraph has no label."""
    match = _LABEL.match(text)
    if not match:
        return None
    return clean_text(match.group("label")), match.group("rest").strip()


def looks_like_name(label: str, max_words: int = 6) -> bool:
    """True for labels shaped like a speaker or outlet ("China Daily", "RIA Novosti", "AFP").

    Sentence openings that happen to contain a colon ("Let me stress this once again:",
    "As of 24:00") fail: they have lower-case words or numbers.
    """
    words = label.replace("&", " & ").split()
    if not words or len(words) > max_words:
        return False
    if not (words[0][0].isupper()):
        return False
    for word in words:
        bare = word.strip(".,'’()\"")
        if not bare:
            continue
        if bare.lower() in _LABEL_CONNECTORS:
            continue
        if not (bare[0].isupper() and all(ch.isalnum() or ch in "-.'’" for ch in bare)):
            return False
    return True


@dataclass(frozen=True)
class Turn:
    """How one paragraph reads: the start of a question or an answer, or a continuation."""

    role: str | None  # "question", "answer", "note" (a heading of the page's) or None: continues
    text: str
    label: str | None = None
    speaker: str | None = None
    bold: bool = False


def assemble_segments(turns: list[Turn], spokesperson: str | None) -> list[Segment]:
    """Group classified paragraphs into statement / question / answer segments.

    Paragraphs before the first question are the spokesperson's opening statements, one
    segment each; a note of the page's own ("The following questions were raised after
    the press conference:") is a statement without a speaker. An answer runs over unlabelled paragraphs until the next question; a
    plain paragraph right after a question starts an unlabelled answer, while a bold
    one continues the question (questions are set in bold). Each answer points at the
    question it replies to.
    """
    segments: list[Segment] = []
    open_question: int | None = None
    current: Segment | None = None

    def start(kind: str, turn: Turn) -> Segment:
        nonlocal open_question
        segment = Segment(
            kind=kind,
            text=turn.text,
            label=turn.label,
            speaker=turn.speaker,
            paragraphs=1,
            reply_to=open_question if kind == "answer" else None,
        )
        segments.append(segment)
        if kind == "question":
            open_question = len(segments) - 1
        return segment

    for turn in turns:
        if turn.role == "question":
            current = start("question", turn)
        elif turn.role == "answer":
            current = start("answer", Turn("answer", turn.text, turn.label, turn.speaker or spokesperson))
        elif turn.role == "note":
            current = start("statement", Turn("statement", turn.text))
        elif current is None or current.kind == "statement":
            current = start("statement", Turn("statement", turn.text, None, spokesperson))
        elif current.kind == "question" and not turn.bold and current.text:
            current = start("answer", Turn("answer", turn.text, None, spokesperson))
        else:
            current.text = f"{current.text}\n\n{turn.text}" if current.text else turn.text
            current.paragraphs += 1
    return _drop_empty(segments)


def _drop_empty(segments: list[Segment]) -> list[Segment]:
    """Remove label-only turns that never received text, keeping reply links right."""
    new_index: dict[int, int] = {}
    kept: list[Segment] = []
    for index, segment in enumerate(segments):
        if segment.text:
            new_index[index] = len(kept)
            kept.append(segment)
    for segment in kept:
        if segment.reply_to is not None:
            segment.reply_to = new_index.get(segment.reply_to)
    return kept
