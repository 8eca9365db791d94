"""Plain records that flow into the corpus: what a spider or importer produces.

These are the item types of the crawlers too (Scrapy accepts dataclasses as items), so
the shape of a document is declared once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .schema import FETCH_OUTCOMES, SEGMENT_KINDS


@dataclass(frozen=True)
class Source:
    name: str
    ministry: str
    country: str
    language: str
    homepage: str | None = None


@dataclass
class Segment:
    """One statement, question or answer: a spokesperson's or journalist's turn."""

    kind: str
    text: str
    label: str | None = None
    speaker: str | None = None
    paragraphs: int = 1
    # Index, within the same document's segments, of the question this answer replies to.
    reply_to: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in SEGMENT_KINDS:
            raise ValueError(f"segment kind must be one of {SEGMENT_KINDS}, not {self.kind!r}")


@dataclass
class Document:
    """A fetched page and what parsing made of it. A failed parse keeps the page and its error."""

    source: str
    url: str
    native_id: str
    html: bytes
    fetched_at: dt.datetime
    language: str
    http_status: int | None = 200
    content_type: str | None = None
    encoding: str | None = None
    title: str | None = None
    date: dt.date | None = None
    # None when the page states its date; otherwise how the date was inferred.
    date_inferred: str | None = None
    spokesperson: str | None = None
    kind: str | None = None
    layout: str | None = None
    sequence: int | None = None
    segments: list[Segment] = field(default_factory=list)
    parse_error: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source}:{self.native_id}"


@dataclass
class Fetch:
    """What became of one URL a crawl tried (one of schema.FETCH_OUTCOMES), for the fetches table."""

    source: str
    url: str
    kind: str  # "list" or "article"
    outcome: str
    http_status: int | None = None
    final_url: str | None = None
    error: str | None = None
    attempts: int = 1
    listed_on: str | None = None
    document_id: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in FETCH_OUTCOMES:
            raise ValueError(f"fetch outcome must be one of {FETCH_OUTCOMES}, not {self.outcome!r}")
        if self.kind not in ("list", "article"):
            raise ValueError(f"fetch kind must be list or article, not {self.kind!r}")
