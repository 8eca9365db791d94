"""What every briefing spider shares: listings, paging, dates, ids, errors, refetching.

A spider says what is its site's own -- the first page of each listing (`list_urls`),
where an article's id is in its URL (`article_id`), and two pure functions of (HTML,
URL): `read_list` (a ListPage) and `read_briefing` (a Briefing). This class does the
rest the same way for every source:

- list pages are always fetched again (they change with every briefing); a list page
  answering 404 ends its listing quietly (a replay of one era, a page past the end),
  and so does one that lists nothing; paging follows the list pages each one names
  (`next_urls`), once each, and stops once a page lists only briefings older than --since;
- briefings already stored are skipped, unless --refetch names them; briefings outside
  --since/--until are skipped;
- every URL tried ends as one FetchResult: the Document of a briefing (a parse that
  fails keeps the page, with its error), or what went wrong (an HTTP error after
  retries, an off-site redirect, no response): the pipeline records it in `fetches`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.url import url_is_from_any_domain

from corpus import Corpus
from corpus.dates import has_year, parse_bound
from corpus.limits import web_url_problem
from corpus.records import Document, Fetch, Segment, Source
from crawlers.items import FetchResult
from crawlers.parsing import LayoutError

log = logging.getLogger(__name__)

REFETCH_CHOICES = ("errors", "all")


@dataclass(frozen=True)
class ListedArticle:
    url: str
    title: str
    date: dt.date | None


@dataclass
class ListPage:
    """What a list page gives: the briefings it links, and the list pages that come after it,
    as the site's own pagination addresses them (a numbered listing also says its page count)."""

    articles: list[ListedArticle]
    next_urls: list[str] = field(default_factory=list)
    page_count: int | None = None


@dataclass
class Briefing:
    """What every spider's pure `read_briefing` returns, and `BriefingSpider` stores."""

    title: str | None
    spokesperson: str | None
    kind: str | None
    date: dt.date | None
    date_inferred: str | None
    segments: list[Segment] = field(default_factory=list)
    layout: str | None = None


def parse_refetch(value: str | None) -> str | None:
    """--refetch errors | all | a date (YYYY-MM-DD): stored pages to fetch again."""
    if value is None or value in REFETCH_CHOICES:
        return value
    try:
        return parse_bound(value, "refetch").isoformat()
    except ValueError:
        raise ValueError(f"--refetch {value!r}: give errors, all or a date (YYYY-MM-DD)") from None


class BriefingSpider(scrapy.Spider):
    source: Source
    layouts: tuple[str, ...] = ()
    list_urls: tuple[str, ...] = ()
    # The article's id in its URL: the group "id", else the first group, else the match.
    article_id: re.Pattern | None = None
    # Bounds a listing whose pages link each other without end.
    max_list_pages: int = 10_000

    def __init__(self, *args, since=None, until=None, refetch=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.since = parse_bound(since, "since")
        self.until = parse_bound(until, "until")
        self.refetch = parse_refetch(refetch)
        self.stored_urls: set[str] = set()
        self.refetching: set[str] = set()
        self.list_urls_seen: set[str] = set()

    # What a spider says of its site: pure functions of (HTML, URL) ---------------------

    def read_list(self, html: bytes, url: str) -> ListPage:
        raise NotImplementedError

    def read_briefing(self, html: bytes, url: str) -> Briefing:
        raise NotImplementedError

    def briefing_of(self, response, listed: ListedArticle) -> Briefing:
        """The briefing a response holds; a spider whose pages need what their list item said overrides it."""
        return self.read_briefing(response.body, response.url)

    def is_removed(self, response) -> bool:
        """True for the page a site serves in place of a removed article."""
        return False

    def date_from_url(self, url: str) -> dt.date | None:
        """A date the URL itself carries, for a page that fails to parse."""
        return None

    def native_id(self, url: str) -> str:
        match = self.article_id.search(url) if self.article_id is not None else None
        if not match:
            raise LayoutError(f"{url}: not an article URL of {self.name} ({getattr(self.article_id, 'pattern', None)})")
        return match.group("id") if "id" in self.article_id.groupindex else match.group(1 if self.article_id.groups else 0)

    def sequence(self, native_id: str) -> int | None:
        """The site's publishing order, where its ids are numbers that grow with time."""
        return int(native_id) if native_id.isdigit() else None

    # Listings --------------------------------------------------------------------------

    async def start(self):
        db_path = self.settings.get("COMMUNIQUE_DB")
        if db_path:
            with Corpus(db_path) as corpus:
                self.stored_urls = corpus.stored_urls(self.source.name)
                if self.refetch:
                    self.refetching = set(corpus.refetch_urls(self.source.name, self.refetch))
        for url in self.list_urls:
            yield self.list_request(url)
        for url in sorted(self.refetching):
            yield self.article_request(url)

    def list_request(self, url: str, page: int = 0) -> scrapy.Request:
        self.list_urls_seen.add(url)
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.failed,
            cb_kwargs={"page": page},
            # List pages change with every new briefing: always fetch them again.
            dont_filter=True,
            meta={"kind": "list", "handle_httpstatus_list": [404]},
        )

    def parse_list(self, response, page: int = 0):
        if response.status == 404:
            self.crawler.stats.inc_value("communique/missing_list_pages")
            log.info("list page %s answered 404: its listing ends there", response.url)
            yield FetchResult(self._fetch(response.request, "missing", http_status=404, url=response.url, kind="list"))
            return
        try:
            listing = self.read_list(response.body, response.url)
        except LayoutError as error:
            yield FetchResult(self._fetch(response.request, "parse_error", http_status=response.status,
                                          error=str(error), kind="list"))
            return
        requests = list(self.article_requests(listing.articles, listed_on=response.url))
        yield FetchResult(
            self._fetch(response.request, "listed", http_status=response.status, url=response.url, kind="list"),
            requested=[request.url for request in requests],
        )
        yield from requests
        if not listing.articles:
            if page == 0:
                self.crawler.stats.inc_value("communique/empty_list_pages")
                log.warning("%s: the first list page %s lists no briefing", self.name, response.url)
            return  # past the end of a paged listing
        if self.listing_passed_since(listing.articles):
            return
        for url in dict.fromkeys(listing.next_urls):
            if problem := web_url_problem(url):
                log.warning("%s: next list page refused: %s", self.name, problem)
                self.crawler.stats.inc_value("communique/refused_urls")
            elif url not in self.list_urls_seen and len(self.list_urls_seen) < self.max_list_pages:
                yield self.list_request(url, page + 1)

    def in_range(self, date: dt.date | None) -> bool:
        if not has_year(date):
            return True  # a date without its year cannot be judged yet
        return (self.since is None or date >= self.since) and (self.until is None or date <= self.until)

    def listing_passed_since(self, articles: Iterable[ListedArticle]) -> bool:
        """True once a list page (newest first) holds only briefings older than --since."""
        dates = [article.date for article in articles if has_year(article.date)]
        return bool(self.since and dates and max(dates) < self.since)

    def article_requests(self, articles: Iterable[ListedArticle], listed_on: str | None = None):
        stats = self.crawler.stats
        for article in articles:
            # A list page may link anything (javascript:, file:): only web pages are fetched and stored.
            if problem := web_url_problem(article.url):
                log.warning("%s: link %r refused: %s", self.name, article.title, problem)
                stats.inc_value("communique/refused_urls")
                continue
            if article.url in self.stored_urls:
                if article.url not in self.refetching:
                    stats.inc_value("communique/skipped_stored")
                continue
            if not self.in_range(article.date):
                stats.inc_value("communique/skipped_out_of_range")
                continue
            yield self.article_request(article.url, article, listed_on)

    def article_request(self, url: str, listed: ListedArticle | None = None, listed_on: str | None = None):
        meta = {"kind": "article", "listed_on": listed_on}
        if listed is not None:  # in meta, so that the request carries them wherever it goes
            meta["listed_title"] = listed.title
            meta["listed_date"] = listed.date.isoformat() if has_year(listed.date) else None
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed, meta=meta)

    # Briefings -------------------------------------------------------------------------

    def parse_article(self, response):
        if self.is_removed(response):
            self.crawler.stats.inc_value("communique/removed_pages")
            log.info("%s is a removed page (%s): not stored", _first_url(response.request), response.url)
            yield FetchResult(self._fetch(response.request, "removed", http_status=response.status,
                                          final_url=response.url, error=f"the site serves its removed-page {response.url}"))
            return
        meta = response.request.meta if response.request is not None else {}
        listed_date = meta.get("listed_date")
        listed = ListedArticle(response.url, meta.get("listed_title") or "",
                               dt.date.fromisoformat(listed_date) if listed_date else None)
        try:
            native_id = self.native_id(response.url)
        except LayoutError as error:
            yield FetchResult(self._fetch(response.request, "parse_error", http_status=response.status, error=str(error)))
            return
        document = self.document(response, native_id, listed)
        if document is None:
            yield FetchResult(self._fetch(response.request, "out_of_range", http_status=response.status))
            return
        yield FetchResult(
            self._fetch(response.request, "stored", http_status=response.status, document_id=document.id,
                        final_url=response.url if response.url != _first_url(response.request) else None),
            document,
        )

    def document(self, response, native_id: str, listed: ListedArticle | None = None) -> Document | None:
        """A Document for a fetched page, its parse error kept rather than raised; None when out of range."""
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
            sequence=self.sequence(native_id),
        )
        try:
            parsed = self.briefing_of(response, listed)
        except LayoutError as error:
            document.parse_error = str(error)
        except Exception as error:  # a parser bug must not lose the page either
            log.exception("parsing %s failed", response.url)
            document.parse_error = f"{response.url}: parser failed with {type(error).__name__}: {error}"
        else:
            if not self.in_range(parsed.date):
                self.crawler.stats.inc_value("communique/skipped_out_of_range")
                return None
            for name in ("title", "date", "date_inferred", "spokesperson", "kind", "layout", "segments"):
                setattr(document, name, getattr(parsed, name))
            if not parsed.segments:
                document.parse_error = f"{response.url}: no statement, question or answer found"
        if document.parse_error:
            self.crawler.stats.inc_value("communique/parse_errors")
            if document.date is None:
                if from_url := self.date_from_url(response.url):
                    document.date, document.date_inferred = from_url, "date from the URL"
                elif listed is not None and has_year(listed.date):
                    document.date, document.date_inferred = listed.date, "date from the list page"
        return document

    # Failures --------------------------------------------------------------------------

    def failed(self, failure):
        """Errback of every request: what went wrong, as a FetchResult the pipeline records."""
        request = failure.request
        error = failure.value
        first = _first_url(request)
        if isinstance(error, HttpError):
            status = error.response.status
            yield FetchResult(self._fetch(request, "http_error", http_status=status,
                                          error=f"HTTP {status} after {_attempts(request)} attempt(s)"))
        elif isinstance(error, IgnoreRequest) and request.meta.get("redirect_urls") and (
            urlsplit(request.url).hostname != urlsplit(first).hostname
        ):
            yield FetchResult(self._fetch(request, "offsite_redirect", final_url=request.url,
                                          error=f"redirected off-site to {request.url}"))
        elif isinstance(error, IgnoreRequest):
            yield FetchResult(self._fetch(request, "ignored", error=str(error) or type(error).__name__))
        else:
            yield FetchResult(self._fetch(request, "network_error", error=f"{type(error).__name__}: {error}"))

    def offsite_redirect(self, request) -> FetchResult | None:
        """The record of a redirect off the spider's domains, which Scrapy's offsite filter drops
        as it is scheduled, without calling any errback; None for any other request."""
        domains = getattr(self, "allowed_domains", None)
        if request.meta.get("redirect_urls") and domains and not url_is_from_any_domain(request.url, domains):
            return FetchResult(self._fetch(request, "offsite_redirect", final_url=request.url,
                                           error=f"redirected off-site to {request.url}"))
        return None

    def _fetch(self, request, outcome: str, url: str | None = None, kind: str | None = None, **fields) -> Fetch:
        meta = request.meta if request is not None else {}
        return Fetch(
            source=self.source.name,
            url=url or _first_url(request),
            kind=kind or meta.get("kind", "article"),
            outcome=outcome,
            attempts=_attempts(request),
            listed_on=meta.get("listed_on"),
            **fields,
        )


def _first_url(request) -> str:
    """The URL as requested, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _attempts(request) -> int:
    return request.meta.get("retry_times", 0) + 1 if request is not None else 1
