"""Whether a corpus file can be read or written, checked before a command starts its work.

A command that only reads (stats, exports, serve) must not create an empty corpus where
none was, and one that writes (crawl, import, analyze) must say at once that the file is
read-only rather than fail at its first write. SQLite in WAL mode writes two files beside
the corpus (-wal, -shm), so its folder must be writable too.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import NoCorpus, ReadOnlyCorpus


def require_existing(path: str | Path) -> None:
    path = Path(path)
    if not path.exists():
        raise NoCorpus(f"no corpus at {path}: crawl or import something first")


def require_writable(path: str | Path) -> None:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        raise ReadOnlyCorpus(f"{path} is read-only: nothing can be stored in it (check its permissions)")
    if not folder.is_dir():
        raise ReadOnlyCorpus(f"cannot create {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReadOnlyCorpus(f"cannot write {path}: its folder {folder} is read-only (SQLite writes -wal and -shm files there)")
