"""Domain errors of the corpus. Each message names what failed and where."""


class CorpusError(Exception):
    """The corpus could not be opened or written."""


class NotACorpus(CorpusError):
    """The file is not a SQLite database, or is corrupt."""


class CorpusLocked(CorpusError):
    """Another writer held the corpus longer than this one would wait."""
