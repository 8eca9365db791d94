"""Configuration in one place: paths and defaults that commands share (crawling manners are
Scrapy settings, in crawlers/settings.py).

Values are read when asked for, never at import time, so that tests and users can
point COMMUNIQUE_DB elsewhere before a command runs.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATASETTE_DIR = PROJECT_ROOT / "datasette"
DEMO_REPLAY_DIR = PROJECT_ROOT / "tests" / "files" / "fmprc"

DEFAULT_DB = "communique.db"


def default_db_path() -> Path:
    return Path(os.environ.get("COMMUNIQUE_DB") or DEFAULT_DB)


def lock_timeout() -> float:
    """Seconds a crawl waits for another writer of the corpus before it stops ($COMMUNIQUE_LOCK_TIMEOUT)."""
    from corpus.store import LOCK_TIMEOUT_S

    return float(os.environ.get("COMMUNIQUE_LOCK_TIMEOUT") or LOCK_TIMEOUT_S)


def user_data_dir() -> Path:
    """Where what a user makes (a retrained stance model) is kept: $COMMUNIQUE_DATA, else the
    platform's user data folder (~/.local/share/communique on Linux). Never inside the package,
    which may be read-only and is replaced by every upgrade."""
    from platformdirs import user_data_path

    return Path(os.environ.get("COMMUNIQUE_DATA") or user_data_path("communique", appauthor=False))

