"""What the corpus accepts: web links only, turns of bounded size, import fields of bounded size.

Pure functions and the limits themselves, so that the importers, the crawlers' storage
and the published pages apply one rule each:

* A document's URL is the link readers follow to the official transcript, so it must
  be an http(s) URL; `import:` URLs name imported rows that came without one.
* A turn's stored text is at most MAX_TURN_CHARS characters. Longer text is stored
  as consecutive parts (turns of the same kind, label and speaker), never cut off:
  full-text search, snippets and the answer page then only ever work on bounded text.
  The longest turn of the 500 saved China MFA briefings has 6,973 characters.
* An imported field (CSV or JSON Lines alike) is at most MAX_FIELD_CHARS characters.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from .records import Segment

MAX_TURN_CHARS = 10_000
MAX_FIELD_CHARS = 10_000_000
WEB_SCHEMES = ("http", "https")
IMPORT_SCHEME = "import"

# Where a long turn may be cut, best first: between paragraphs, after a sentence, between words.
# Only the blanks of a cut (a pattern's group, else its whole match) are left out of the parts.
_CUTS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"[.!?][\"'”’)\]]*(\s+)|[。！？][\"'”’)\]]*(\s*)"),
    re.compile(r"\s+"),
)


def _blank_span(match: re.Match) -> tuple[int, int]:
    for index in range(1, (match.re.groups or 0) + 1):
        if match.group(index) is not None:
            return match.span(index)
    return match.span()


def web_url_problem(url: str) -> str | None:
    """Why `url` is not a link to follow (None when it is an http(s) URL with a host)."""
    if not isinstance(url, str) or not url.strip():
        return "an empty URL"
    if any(ord(c) < 32 or c.isspace() for c in url):
        return f"URL {url[:80]!r} holds a blank or control character"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        return f"URL {url[:80]!r} is malformed"
    if parts.scheme.lower() not in WEB_SCHEMES:
        return f"URL {url[:80]!r} is not an http(s) URL"
    if not parts.hostname:
        return f"URL {url[:80]!r} has no host"
    return None


def is_web_url(url: object) -> bool:
    return isinstance(url, str) and web_url_problem(url) is None


def stored_url_problem(url: str) -> str | None:
    """Why a document may not be stored under `url`: web links, or the importers' own `import:` names."""
    if isinstance(url, str) and url.startswith(f"{IMPORT_SCHEME}:") and not any(ord(c) < 32 for c in url):
        return None
    return web_url_problem(url)


def split_text(text: str, limit: int = MAX_TURN_CHARS) -> list[str]:
    """`text` as consecutive parts of at most `limit` characters; only blanks at the cuts are left out.

    Each cut is the last paragraph break, else sentence end, else blank, in the second
    half of the part; a text without any there (a run of 5,000 characters with no blank)
    is cut at the limit.
    """
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = end = limit
        for pattern in _CUTS:
            spans = [_blank_span(m) for m in pattern.finditer(window, limit // 2)]
            spans = [span for span in spans if limit // 2 <= span[0] <= limit]
            if spans:
                cut, end = spans[-1]
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[end:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def _paragraph_count(text: str) -> int:
    return max(1, sum(1 for line in text.split("\n") if line.strip()))


def split_long_segments(segments: list[Segment], limit: int = MAX_TURN_CHARS) -> list[Segment]:
    """The segments with every text over `limit` characters stored as consecutive parts.

    A part keeps its turn's kind, label and speaker. Every part of an answer replies to
    its question; an answer to a question that was split replies to the question's last
    part, the one right before it. Segments within the limit come back unchanged.
    """
    if all(len(segment.text) <= limit for segment in segments):
        return segments
    pieces: list[list[Segment]] = []
    for segment in segments:
        if len(segment.text) <= limit:
            pieces.append([segment])
        else:
            pieces.append([replace(segment, text=part, paragraphs=_paragraph_count(part))
                           for part in split_text(segment.text, limit)])
    last_index: list[int] = []
    count = 0
    for parts in pieces:
        count += len(parts)
        last_index.append(count - 1)
    out: list[Segment] = []
    for parts in pieces:
        for part in parts:
            reply_to = part.reply_to
            out.append(replace(part, reply_to=last_index[reply_to] if reply_to is not None else None))
    return out
