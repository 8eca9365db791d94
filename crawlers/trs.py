"""TRS WCM, the publishing system of the Chinese foreign ministry's sites, English and Chinese:
what every spider of a site it serves shares (the fmprc spider, and one for the Chinese pages).

- A listing numbers its pages only in a script (`var countPage = 13`); page 0 is
  `default.shtml` (or `index.html`), page N `default_N.shtml` (`index_N.html`).
- Articles are `t<digits>.shtml`, later `tYYYYMMDD_<digits>.html`, numbered in publishing
  order.
- Photos are named by their upload date (`W020180910...jpg`), which dates a page whose
  title does not.
- The body may lie between `<meta name="TRSWCM.ContStart">` and `<meta name="TRSWCM.ContEnd">`.
- A removed article redirects to a "system" page that answers 200 (`/web/system/...`,
  `index_17321`): a missing page, not a transcript.
"""

from __future__ import annotations

import datetime as dt
import re

from crawlers.parsing import paragraphs_of, parse_html

ARTICLE_ID = re.compile(r"/(t\d+(?:_\d+)?)\.s?html?$")
_COUNT_PAGE = re.compile(r"countPage\s*=\s*(\d+)")
_NUMBERED = re.compile(r"^(?P<stem>.*/(?:default|index))(?:_(?P<page>\d+))?(?P<ext>\.s?html?)$")
_PHOTO_DATE = re.compile(r"W0(20\d{2})(\d{2})(\d{2})\d*\.(?:jpe?g|png|gif)", re.I)
_CONTENT_MARKERS = re.compile(
    r"<meta\s[^>]*?name\s*=\s*[\"']?TRSWCM\.ContStart\b[^>]*>(?P<body>.*?)"
    r"<meta\s[^>]*?name\s*=\s*[\"']?TRSWCM\.ContEnd\b",
    re.S | re.I,
)
_SYSTEM_PAGE = re.compile(r"/web/system/|index_17321")


def page_count(tree) -> int:
    """The number of pages a listing says it has, in its script; 1 when it does not say."""
    count = _COUNT_PAGE.search("\n".join(script.text or "" for script in tree.iter("script")))
    return int(count.group(1)) if count else 1


def numbered_page_url(first: str, page: int) -> str:
    """Page `page` of the listing whose page 0 is `first`: default.shtml -> default_3.shtml."""
    match = _NUMBERED.match(first)
    if not match or page == 0:
        return first
    return f"{match.group('stem')}_{page}{match.group('ext')}"


def next_page_urls(url: str, count: int) -> list[str]:
    """The page after `url` in its listing of `count` pages, or none after the last."""
    match = _NUMBERED.match(url)
    if not match:
        return []
    page = int(match.group("page") or 0) + 1
    return [f"{match.group('stem')}_{page}{match.group('ext')}"] if page < count else []


def sequence(native_id: str) -> int:
    """t1632218 -> 1632218; t20230110_11004538 -> 11004538 (both grow with time)."""
    return int(native_id.rpartition("_")[2].lstrip("t"))


def photo_date(image_sources: list[str]) -> dt.date | None:
    """The upload date in the first photo's file name, W0YYYYMMDD..., if any."""
    for source in image_sources:
        match = _PHOTO_DATE.search(source)
        if not match:
            continue
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            continue
    return None


def marked_body(html: str | bytes):
    """The element holding what lies between the TRSWCM content markers, or None."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    match = _CONTENT_MARKERS.search(text)
    if not match or not match.group("body").strip():
        return None
    body = parse_html(f"<html><body><div>{match.group('body')}</div></body></html>").body[0]
    return body if paragraphs_of(body) else None


def is_removed_page(url: str) -> bool:
    """True for the "system" page a removed article redirects to."""
    return bool(_SYSTEM_PAGE.search(url))
