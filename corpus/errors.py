"""Domain errors of the corpus. Each message names what failed and where."""


class CorpusError(Exception):
    """The corpus could not be opened or written."""


class NotACorpus(CorpusError):
    """The file is not a SQLite database, or is corrupt."""
