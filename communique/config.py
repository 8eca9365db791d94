"""Configuration in one place: paths, politeness and defaults that commands share.

Values are read when asked for, never at import time, so that tests and users can
point COMMUNIQUE_DB elsewhere before a command runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from . import __version__

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATASETTE_DIR = PROJECT_ROOT / "datasette"
DEMO_REPLAY_DIR = PROJECT_ROOT / "tests" / "files" / "fmprc"

DEFAULT_DB = "communique.db"
CONTACT_URL = "https://github.com/communique-project/communique"


def default_db_path() -> Path:
    return Path(os.environ.get("COMMUNIQUE_DB") or DEFAULT_DB)


@dataclass(frozen=True)
class CrawlPoliteness:
    """How we behave on a live site. Replays turn throttling off (see crawlers.settings)."""

    user_agent: str = f"Communique/{__version__} (+{CONTACT_URL}; research crawler of diplomatic briefings)"
    obey_robots_txt: bool = True
    download_delay: float = 2.0
    autothrottle_target_concurrency: float = 1.0
    concurrent_requests_per_domain: int = 1
    close_on_error_count: int = 50


POLITENESS = CrawlPoliteness()
