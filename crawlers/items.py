"""The one item every spider yields: what one fetch gave, for the corpus pipeline to store.

A spider yields a FetchResult for every URL it tried -- a list page read or missing, a
briefing parsed (its corpus Document), a page that failed -- so that nothing a crawl
touched goes unrecorded (the corpus' `fetches` table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.records import Document, Fetch, Segment

__all__ = ["Document", "Fetch", "FetchResult", "Segment"]


@dataclass
class FetchResult:
    fetch: Fetch
    document: Document | None = None
    # For a list page: the briefings requested from it, recorded as pending until fetched.
    requested: list[str] = field(default_factory=list)
