"""The SQLite corpus: schema, storage and reads. The only package that touches the database."""

from .errors import CorpusError
from .records import Document, Segment, Source
from .store import Corpus

__all__ = ["Corpus", "CorpusError", "Document", "Segment", "Source"]
