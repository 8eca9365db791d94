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


class IncompletePage(LayoutError):
    """The page stops before its closing structure: it was cut short, in transfer or at the source."""


def require_complete(body, url: str, layout: str, footer: str | None = None) -> None:
    """Raise IncompletePage unless the page goes on after its body, and has its footer.

    A page cut short in transfer still parses (lxml closes what is open), with the turns
    it got: the sign is that nothing follows the body, or the footer every page of the
    layout carries is missing.
    """
    if not body.xpath("following::*[1]"):
        raise IncompletePage(f"{url}: {layout}: the page ends inside its body: incomplete (cut short?)")
    if footer and not body.getroottree().getroot().cssselect(footer):
        raise IncompletePage(f"{url}: {layout}: no '{footer}' after the body: incomplete (cut short?)")


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool
    # A rule of symbols ("***", "---", "＊＊＊", "※※※※※※"): no words, but a boundary of
    # the transcript, after which the spokesperson's closing remarks follow.
    separator: bool = False


_SPACE = re.compile(r"\s+")
_BOLD_TAGS = {"b", "strong"}
_SKIPPED_TAGS = {"script", "style", "noscript"}


def clean_text(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\xa0", " ").replace("\u3000", " ")).strip()


def _is_bold(element) -> bool:
    if element.tag in _BOLD_TAGS:
        return True
    # Only the font-weight property itself: Word's "mso-bidi-font-weight: bold" is not bold.
    for declaration in (element.get("style") or "").split(";"):
        name, _, value = declaration.partition(":")
        if name.strip().lower() == "font-weight" and value.strip().lower() in ("bold", "bolder", "700", "800", "900"):
            return True
    return False


_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "table", "tr", "td", "th", "blockquote", "section", "article", "center", "pre",
}


def _bold_share(pieces: list) -> tuple[int, int]:
    """(letters, bold letters) of a run of ("text", str, bold) pieces."""
    letters = sum(len(piece[1].strip()) for piece in pieces)
    return letters, sum(len(piece[1].strip()) for piece in pieces if piece[2])


def _is_bold_run(pieces: list) -> bool:
    letters, bold = _bold_share(pieces)
    return letters > 0 and bold * 2 >= letters


def _paragraph(pieces: list) -> Paragraph | None:
    text = clean_text("".join(piece[1] for piece in pieces))
    if not text:
        return None
    if not any(character.isalnum() for character in text):
        # "※※※※※※" or "***" is a rule between the exchanges and the closing remarks;
        # a stray "." or "," is nothing.
        return Paragraph(text=text, bold=False, separator=True) if len(text.replace(" ", "")) >= 3 else None
    return Paragraph(text=text, bold=_is_bold_run(pieces))


def _split_runs(pieces: list) -> list[list]:
    """Cut a run of ("text", str, bold) / ("br",) pieces into paragraphs.

    Two breaks always cut (whitespace between them does not separate them). One break
    cuts only where the type changes, bold on one side and plain on the other: a bold
    question and its plain answer set in one paragraph with a single <br> between
    them are two turns, while a question or an answer wrapped by a <br> stays whole.
    """
    lines: list[tuple[int, list]] = []  # (breaks before the line, its pieces)
    breaks, current = 0, []
    for piece in pieces:
        if piece[0] == "br":
            if any(p[1].strip() for p in current):
                lines.append((breaks, current))
                breaks, current = 0, []
            elif current:
                current = []  # whitespace between breaks
            breaks += 1
            continue
        current.append(piece)
    if current:
        lines.append((breaks, current))
    runs: list[list] = []
    for index, (before, line) in enumerate(lines):
        if index == 0 or before >= 2 or _is_bold_run(line) != _is_bold_run(lines[index - 1][1]):
            runs.append(list(line))
        else:
            runs[-1].append(("text", " ", False))
            runs[-1].extend(line)
    return runs


def paragraphs_of(element) -> list[Paragraph]:
    """The non-empty paragraphs of a body element, in reading order, each text once.

    Every block element (p, div, li...) bounds a paragraph, and so do `<br><br>` and a
    single `<br>` where bold meets plain; text that malformed markup leaves outside any
    `<p>` forms its own paragraph rather than being lost. Image-only paragraphs vanish:
    they have no text; a rule of symbols ("***") is kept as a separator. Bold is measured
    on the letters, so a question set in `<B><SPAN>` pieces still reads as bold.
    """
    result: list[Paragraph] = []
    current: list = []

    def flush() -> None:
        for run in _split_runs(current):
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


def list_items(html: str | bytes, url: str, selector: str, what: str):
    """A list page's tree and the elements that are its items; LayoutError naming the selector when none."""
    tree = parse_html(html)
    items = tree.cssselect(selector)
    if not items:
        raise LayoutError(f"{url}: no '{selector}' {what}")
    return tree, items


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


ROLES = ("question", "answer", "note", "separator")


@dataclass(frozen=True)
class Turn:
    """How one paragraph reads: what it starts (a role), or None when it carries on."""

    role: str | None  # one of ROLES, or None: an unlabelled paragraph
    text: str
    label: str | None = None
    speaker: str | None = None
    bold: bool = False


# How unlabelled paragraphs read (see assemble_segments).
BY_TYPE = "by_type"
CONTINUE = "continue"


def assemble_segments(turns: list[Turn], spokesperson: str | None, unlabelled: str = BY_TYPE) -> list[Segment]:
    """Group classified paragraphs into statement / question / answer segments.

    A question opens an exchange and an answer replies to the open question. Where no
    question is open -- before the first one, after a separator ("***") or after a note
    of the page's own -- a labelled answer is a statement of its own speaker (the
    opening "Zhao Lijian: Thank you, Director-General Hua Chunying..." or the closing
    remarks), and so is any paragraph: statements are one per paragraph, credited to
    the last label's speaker, else to the spokesperson. A note ("The following question
    was raised after the press conference:") is a statement without a speaker.

    Unlabelled paragraphs read in one of two ways:
    - BY_TYPE, where the type tells (questions bold, answers plain): a bold paragraph
      continues a question and asks a new one after anything else; a plain one starts
      the answer after a question and continues an answer;
    - CONTINUE, where every turn is labelled: it continues the question or answer before it.
    """
    if unlabelled not in (BY_TYPE, CONTINUE):
        raise ValueError(f"unlabelled must be {BY_TYPE!r} or {CONTINUE!r}, not {unlabelled!r}")
    segments: list[Segment] = []
    open_question: int | None = None
    current: Segment | None = None
    statement_speaker = spokesperson

    def start(kind: str, text: str, label: str | None = None, speaker: str | None = None) -> Segment:
        nonlocal open_question
        segment = Segment(kind=kind, text=text, label=label, speaker=speaker,
                          reply_to=open_question if kind == "answer" else None)
        segments.append(segment)
        if kind == "question":
            open_question = len(segments) - 1
        return segment

    for turn in turns:
        in_exchange = current is not None and current.kind in ("question", "answer")
        if turn.role in ("separator", "note"):
            open_question, current, statement_speaker = None, None, spokesperson
            if turn.role == "note":
                start("statement", turn.text)
        elif turn.role == "question":
            current = start("question", turn.text, turn.label, turn.speaker)
        elif turn.role == "answer":
            speaker = turn.speaker or spokesperson
            if open_question is None:
                statement_speaker = speaker
                current = start("statement", turn.text, turn.label, speaker)
            else:
                current = start("answer", turn.text, turn.label, speaker)
        elif in_exchange and (not current.text or _continues(current, turn, unlabelled)):
            current.text = f"{current.text}\n\n{turn.text}" if current.text else turn.text
            current.paragraphs += 1
        elif unlabelled == BY_TYPE and turn.bold:
            current = start("question", turn.text)
        elif unlabelled == BY_TYPE and in_exchange:  # a plain paragraph after a question
            current = start("answer", turn.text, speaker=spokesperson)
        else:
            current = start("statement", turn.text, speaker=statement_speaker)
    return _drop_empty(segments)


def _continues(current: Segment, turn: Turn, unlabelled: str) -> bool:
    if unlabelled == CONTINUE:
        return True
    return turn.bold == (current.kind == "question")


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
