"""An independent extraction of question/answer pairs from the saved fmprc pages.

It shares no code with crawlers/ and reads the page another way: a regular-expression
tokenizer over the raw HTML (no lxml tree), every <P>, <DIV> and <BR> a line break,
bold counted in characters inside <B>/<STRONG>. Its rules were written from reading
the pages, in a dozen lines:

- a line of symbols only (``***``, ``---``, ``＊＊＊``, ``※※※``) ends the exchanges:
  what follows is the spokesperson's closing remarks until the next question;
- "The following question was raised after the press conference:" (and its variants)
  is a note of the page;
- ``Q:``, ``Question:``, ``Follow-up:`` and bold ``Label: text`` ask; ``A:`` and a
  spokesperson's name answer the open question, or make a statement when none is open;
- a bold line without a label continues a question, or asks a new one after anything
  else; a plain line without a label starts the answer after a question, continues an
  answer, and is a statement otherwise.

Tests compare the parser's pairs with these, exactly, word for word.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

SPOKESPEOPLE = {"hong lei", "hua chunying", "lu kang", "geng shuang", "zhao lijian", "wang wenbin"}
_TOKEN = re.compile(r"<!--.*?-->|<[?!][^>]*>|<(/?)([A-Za-z][\w:]*)[^>]*>|([^<]+)", re.S)
_BREAKS = {"p", "div", "br", "li", "table", "tr", "td", "h1", "h2", "h3", "h4"}
_QUESTION = re.compile(r"^(?:Q|Question|Follow[- ]?up(?: question)?)\s*[:：]\s*", re.I)
_ANSWER = re.compile(r"^A\s*[:：]\s*")
_LABEL = re.compile(r"^([^:：?]{1,90}?)\s*[:：]\s*(.*)$", re.S)
_NOTE = re.compile(
    r"^(?:the )?following questions? (?:was|were) (?:raised|asked)|^a journalist asked the following question"
    r"|^the following questions? (?:was|were) (?:raised|asked) by",
    re.I,
)


@dataclass
class Line:
    text: str
    bold: bool


def body_of(raw: str) -> str:
    start = raw.index('<div class="content">')
    return raw[start + len('<div class="content">') : raw.index('<div class="tool"', start)]


def lines_of(body: str) -> list[Line]:
    lines: list[Line] = []
    text: list[str] = []
    bold_chars = plain_chars = 0
    depth = 0

    def cut() -> None:
        nonlocal bold_chars, plain_chars
        joined = " ".join("".join(text).split())
        if joined:
            lines.append(Line(joined, bold_chars > 0 and bold_chars >= plain_chars))
        text.clear()
        bold_chars = plain_chars = 0

    for match in _TOKEN.finditer(body):
        closing, tag, chunk = match.groups()
        if chunk is not None:
            chunk = html.unescape(chunk).replace("\xa0", " ").replace("\u3000", " ")
            text.append(chunk)
            visible = len(chunk.replace(" ", "").replace("\n", "").replace("\t", ""))
            if depth:
                bold_chars += visible
            else:
                plain_chars += visible
        elif tag:
            name = tag.lower()
            if name in ("b", "strong"):
                depth = max(0, depth + (-1 if closing else 1))
            elif name in ("script", "style"):
                continue
            elif name in _BREAKS:
                cut()
    cut()
    return lines


def _is_separator(text: str) -> bool:
    return not re.search(r"\w", text)


def _is_note(text: str) -> bool:
    bare = text.rstrip(" :：.")
    return "?" not in text and len(bare) < 160 and bool(_NOTE.search(bare))


def reference_pairs(raw: str) -> list[tuple[str, str]]:
    """(question, answer) for every answer on the page, labels left out, whitespace collapsed."""
    turns: list[list] = []  # [kind, text]
    current: list | None = None
    question: list | None = None
    answers: list[tuple[list, list]] = []

    def start(kind: str, text: str) -> list:
        turn = [kind, text]
        turns.append(turn)
        return turn

    for line in lines_of(body_of(raw)):
        text = line.text
        if _is_separator(text) or _is_note(text):
            current = question = None
            continue
        if match := _QUESTION.match(text):
            current = question = start("question", text[match.end():])
            continue
        label = _LABEL.match(text)
        if match := _ANSWER.match(text):
            rest = text[match.end():]
        elif label and label.group(1).strip().casefold() in SPOKESPEOPLE:
            rest = label.group(2)
        else:
            rest = None
        if rest is not None:
            if question is None:
                current = start("statement", rest)
            else:
                current = start("answer", rest)
                answers.append((question, current))
            continue
        if line.bold and label and label.group(2) and len(label.group(1).split()) <= 14:
            current = question = start("question", label.group(2))
            continue
        if line.bold:
            if current is not None and current[0] == "question":
                current[1] += " " + text
            else:
                current = question = start("question", text)
            continue
        if current is not None and current[0] == "question":
            current = start("answer", text)
            answers.append((question, current))
        elif current is not None and current[0] == "answer":
            current[1] += " " + text
        else:
            current = start("statement", text)
    return [(_norm(q[1]), _norm(a[1])) for q, a in answers if _norm(a[1])]


def _norm(text: str) -> str:
    return " ".join(text.split())


def matching_pairs(ours: list[tuple[str, str]], reference: list[tuple[str, str]]) -> int:
    """How many reference pairs the parser gave exactly (as a multiset: a repeated pair counts once each)."""
    ours_count = Counter((_norm(q), _norm(a)) for q, a in ours)
    return sum((Counter(reference) & ours_count).values())


if __name__ == "__main__":  # python -m tests.crawlers.reference_pairs: the figure the README gives
    from crawlers.spiders.fmprc import parse_briefing
    from tests.conftest import FMPRC_BASE_URL, FMPRC_PAGES

    found = exact = pages = 0
    for path in sorted(FMPRC_PAGES.glob("t*.shtml")):
        raw = path.read_text(encoding="utf-8")
        segments = parse_briefing(raw, FMPRC_BASE_URL + path.name).segments
        ours = [(segments[s.reply_to].text, s.text) for s in segments if s.kind == "answer" and s.reply_to is not None]
        reference = reference_pairs(raw)
        found, exact, pages = found + len(reference), exact + matching_pairs(ours, reference), pages + 1
    print(f"{pages} pages: {exact} of {found} reference pairs exact ({exact / found:.2%})")
