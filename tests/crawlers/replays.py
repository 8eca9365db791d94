"""Replay folders made from the saved fmprc pages, with the faults and edits a live site has.

`fmprc_first_page(folder, ...)` copies the first list page and the 40 briefings it links,
then changes what it is asked to: a page that answers 500, one redirected off-site, one
cut short mid-transfer, one missing (the replay answers 404), one edited.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from tests.conftest import FMPRC_BASE_URL, FMPRC_REPLAY

FIRST_LIST_PAGE = FMPRC_BASE_URL + "default.shtml"


def listed_on_first_page() -> list[str]:
    """The briefings default.shtml links, newest first."""
    html = (FMPRC_REPLAY / "www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml").read_text()
    return [FMPRC_BASE_URL + name for name in re.findall(r'href="\./(t\d+\.shtml)"', html)]


def fmprc_first_page(
    folder: Path,
    status: dict[str, int] | None = None,
    location: dict[str, str] | None = None,
    truncate: tuple[str, ...] = (),
    missing: tuple[str, ...] = (),
    edit: dict[str, Callable[[bytes], bytes]] | None = None,
) -> Path:
    """A replay folder of default.shtml and its briefings; keys are briefing URLs."""
    status, location, edit = status or {}, location or {}, edit or {}
    entries = {entry["url"]: entry for entry in map(json.loads, (FMPRC_REPLAY / "manifest.jsonl").open())}
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for url in [FIRST_LIST_PAGE, *listed_on_first_page()]:
        if url in missing:
            continue
        entry = dict(entries[url])
        target = folder / entry["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        body = (FMPRC_REPLAY / entry["path"]).read_bytes()
        if url in truncate:
            body = body[: len(body) * 6 // 10]
        if url in edit:
            body = edit[url](body)
        target.write_bytes(body)
        if url in status:
            entry["status"] = status[url]
        if url in location:
            entry["status"], entry["location"] = 301, location[url]
        lines.append(json.dumps(entry) + "\n")
    (folder / "manifest.jsonl").write_text("".join(lines))
    return folder

