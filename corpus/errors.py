"""Domain errors of the corpus. Each message names what failed and where."""


class CorpusError(Exception):
    """The corpus could not be opened or written."""


class NotACorpus(CorpusError):
    """The file is not a SQLite database, or is corrupt."""


class CorpusLocked(CorpusError):
    """Another writer held the corpus longer than this one would wait."""


class NoCorpus(CorpusError):
    """There is no corpus file at the path."""


class ReadOnlyCorpus(CorpusError):
    """The corpus file, or the folder that holds it, cannot be written."""
