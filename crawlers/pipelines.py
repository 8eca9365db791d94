"""The one way items reach the database, and the account of every URL a crawl tried.

Each FetchResult is written in its own transaction: a briefing with its page and turns
(a changed page as a new version), and in `fetches` what became of the URL. What this
crawl made of each briefing it requested is kept in the crawl's stats
(`communique/failures`), so that the command can say which were not stored.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from corpus import Corpus, CorpusError
from corpus.progress import progress
from corpus.records import Fetch
from corpus.schema import FETCH_FAILURES
from corpus.store import LOCK_TIMEOUT_S
from crawlers.items import FetchResult

log = logging.getLogger(__name__)


class CorpusPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("COMMUNIQUE_DB")
        self.corpus: Corpus | None = None
        self.progress = None  # a bar on a terminal, a line a minute in a log (corpus.progress)
        self.requested: dict[str, str | None] = {}  # briefing URL -> the list page that linked it
        self.outcomes: dict[str, Fetch] = {}  # briefing URL -> what this crawl made of it
        self.unavailable: CorpusError | None = None  # once a write failed, none is tried again

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.request_scheduled, signal=signals.request_scheduled)
        return pipeline

    def request_scheduled(self, request, **_) -> None:
        if self.corpus is not None and (result := self.crawler.spider.offsite_redirect(request)) is not None:
            self.process_item(result)

    def open_spider(self) -> None:
        if not self.db_path:
            raise ValueError("COMMUNIQUE_DB is not set: the pipeline has no corpus to write to")
        timeout = self.crawler.settings.getfloat("COMMUNIQUE_LOCK_TIMEOUT", LOCK_TIMEOUT_S)
        self.corpus = Corpus(self.db_path, lock_timeout=timeout)  # run_crawl has registered the source
        self.progress = progress(None, f"{self.crawler.spider.name}: documents stored", "doc",
                                 enabled=self.crawler.settings.getbool("COMMUNIQUE_PROGRESS", True))

    def process_item(self, item):
        if not isinstance(item, FetchResult):
            return item
        fetch, stats = item.fetch, self.crawler.stats
        try:
            if self.unavailable is not None:
                raise self.unavailable
            with self.corpus.transaction():
                if item.requested:
                    new = [url for url in item.requested if url not in self.outcomes]
                    self.corpus.record_requested(fetch.source, new, listed_on=fetch.url)
                if item.document is not None:
                    change = self.corpus.store_fetched(item.document)
                    if item.document.parse_error:
                        fetch.outcome, fetch.error = "parse_error", item.document.parse_error
                    elif change == "unchanged":
                        fetch.outcome = "unchanged"
                self.corpus.record_fetch(fetch)
            if item.requested:
                self.requested.update(dict.fromkeys(new, fetch.url))
            if item.document is not None:
                stats.inc_value(f"communique/{'stored' if change != 'unchanged' else 'unchanged'}")
                if change == "changed":
                    stats.inc_value("communique/new_versions")
                self.progress.update(1)
        except CorpusError as error:
            # Nothing of this item was written. Stop fetching what could not be stored either.
            fetch.outcome, fetch.error = "store_error", str(error)
            if self.unavailable is None:
                self.unavailable = error
                log.error("%s: not stored, the crawl stops: %s", fetch.url, error)
                stats.set_value("communique/store_error_message", str(error))
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="corpus_unavailable"))
        self.outcomes[fetch.url] = fetch
        if fetch.outcome in FETCH_FAILURES and fetch.outcome != "parse_error":
            stats.inc_value(f"communique/{fetch.outcome}")
        return item

    def close_spider(self) -> None:
        if self.corpus is None:
            return
        stats, source = self.crawler.stats, self.crawler.spider.source.name
        unresolved = [url for url in self.requested if url not in self.outcomes]
        try:
            if self.unavailable is not None:
                raise self.unavailable  # what was requested stays pending in the corpus, for the next crawl
            for url in unresolved:
                self.corpus.record_fetch(Fetch(source, url, "article", "not_fetched", attempts=0,
                                               listed_on=self.requested[url],
                                               error="requested, but the crawl ended before fetching it"))
            stats.set_value("communique/dates_from_neighbours", self.corpus.infer_missing_dates(source))
        except CorpusError as error:
            stats.set_value("communique/store_error_message", str(error))
        for url in unresolved:
            self.outcomes[url] = Fetch(source, url, "article", "not_fetched", attempts=0,
                                       error="requested, but the crawl ended before fetching it")
        stats.set_value("communique/not_fetched", len(unresolved))
        stats.set_value("communique/failures", [
            (fetch.url, fetch.outcome, fetch.error or "")
            for fetch in self.outcomes.values() if fetch.outcome in FETCH_FAILURES
        ])
        stats.set_value("communique/lock_waited_s", round(self.corpus.lock_waited_s, 1))
        self.progress.close()
        self.corpus.close()
