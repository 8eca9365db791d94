"""The item every spider yields is the corpus's own Document record (a dataclass Scrapy accepts)."""

from corpus.records import Document, Segment

__all__ = ["Document", "Segment"]
