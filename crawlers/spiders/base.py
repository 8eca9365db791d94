"""What every briefing spider shares: date bounds, skipping stored pages, building items.

A subclass says where the list pages are (`start_list_urls`, `parse_list`) and how to
parse an article (a pure function); this class turns that into requests and corpus
Documents, and never lets a page be lost: a parse that fails still yields the page,
with its error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import scrapy
from dateutil import parser as date_parser

from corpus import Corpus
from corpus.records import Document, Segment, Source
from crawlers.parsing import LayoutError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListedArticle:
    url: str
    title: str
    date: dt.date | None


@dataclass
class ListPage:
    """What a list page gives: the briefings it links and how many list pages there are."""

    articles: list[ListedArticle]
    page_count: int = 1


@dataclass
class Briefing:
    """What every spider's pure `parse_briefing` returns, and `BriefingSpider.document` stores."""

    title: str | None
    spokesperson: str | None
    kind: str | None
    date: dt.date | None
    date_inferred: str | None
    segments: list[Segment] = field(default_factory=list)
    layout: str | None = None


def parse_bound(value: str | dt.date | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return date_parser.isoparse(value).date()
    except ValueError as error:
        raise ValueError(f"--{name} {value!r} is not a date (use YYYY-MM-DD)") from error


class BriefingSpider(scrapy.Spider):
    source: Source
    layouts: tuple[str, ...] = ()

    def __init__(self, *args, since=None, until=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.since = parse_bound(since, "since")
        self.until = parse_bound(until, "until")
        self.stored_urls: set[str] = set()

    # Subclasses ----------------------------------------------------------------------

    def start_list_urls(self) -> list[str]:
        raise NotImplementedError

    def parse_list(self, response, page: int = 0):
        raise NotImplementedError

    # Shared machinery ----------------------------------------------------------------

    async def start(self):
        db_path = self.settings.get("COMMUNIQUE_DB")
        if db_path:
            with Corpus(db_path) as corpus:
                self.stored_urls = corpus.stored_urls(self.source.name)
        for url in self.start_list_urls():
            yield self.list_request(url, 0)

    def list_request(self, url: str, page: int) -> scrapy.Request:
        # List pages change with every new briefing: always fetch them again.
        return scrapy.Request(url, callback=self.parse_list, cb_kwargs={"page": page}, dont_filter=True)

    def in_range(self, date: dt.date | None) -> bool:
        if date is None:
            return True
        return (self.since is None or date >= self.since) and (self.until is None or date <= self.until)

    def listing_passed_since(self, articles: Iterable[ListedArticle]) -> bool:
        """True once a list page (newest first) holds only briefings older than --since."""
        dates = [article.date for article in articles if article.date and article.date.year > 1]
        return bool(self.since and dates and max(dates) < self.since)

    def article_requests(self, articles: Iterable[ListedArticle], callback: Callable) -> Iterable[scrapy.Request]:
        stats = self.crawler.stats
        for article in articles:
            if article.url in self.stored_urls:
                stats.inc_value("communique/skipped_stored")
                continue
            # A title without its year (year 1) cannot be judged here; parsing will.
            if article.date and article.date.year > 1 and not self.in_range(article.date):
                stats.inc_value("communique/skipped_out_of_range")
                continue
            yield scrapy.Request(article.url, callback=callback)

    def document(self, response, native_id: str, parse: Callable, **fields) -> Document | None:
        """A Document for a fetched page; the parse error is kept on it rather than raised."""
        document = Document(
            source=self.source.name,
            url=response.url,
            native_id=native_id,
            html=response.body,
            fetched_at=dt.datetime.now(dt.timezone.utc),
            language=self.source.language,
            http_status=response.status,
            content_type=response.headers.get("Content-Type", b"").decode("latin-1") or None,
            encoding=getattr(response, "encoding", None),
            **fields,
        )
        try:
            parsed = parse()
        except LayoutError as error:
            document.parse_error = str(error)
        except Exception as error:  # a parser bug must not lose the page either
            log.exception("parsing %s failed", response.url)
            document.parse_error = f"{response.url}: parser failed with {type(error).__name__}: {error}"
        else:
            if not self.in_range(parsed.date):
                self.crawler.stats.inc_value("communique/skipped_out_of_range")
                return None
            document.title = parsed.title
            document.date = parsed.date
            document.date_inferred = parsed.date_inferred
            document.spokesperson = parsed.spokesperson
            document.kind = parsed.kind
            document.layout = parsed.layout
            document.segments = parsed.segments
            if not parsed.segments:
                document.parse_error = f"{response.url}: no statement, question or answer found"
        if document.parse_error:
            self.crawler.stats.inc_value("communique/parse_errors")
        return document
