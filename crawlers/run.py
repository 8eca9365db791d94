"""Run one spider into a corpus, live or against a replay folder. The command's entry to Scrapy.

A source is either a spider of crawlers/spiders/ or a config of crawlers/configs/ (a
YAML file per ministry, run by the ConfiguredSpider); `communique crawl NAME` takes both.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from corpus import Corpus
from corpus.store import LOCK_TIMEOUT_S
from crawlers import settings as default_settings
from crawlers.replay import ReplayServer
from crawlers.site_config import ConfigError, config_paths, load_config
from crawlers.spiders.configured import ConfiguredSpider


class UnknownSource(LookupError):
    """No spider has that name."""


@dataclass
class CrawlReport:
    """What a crawl did; `failures` are (url, outcome, detail) of the pages it could not store."""

    stored: int
    parse_errors: int
    skipped_stored: int
    skipped_out_of_range: int
    http_errors: int
    finish_reason: str
    removed_pages: int = 0
    unchanged: int = 0
    new_versions: int = 0
    offsite_redirects: int = 0
    network_errors: int = 0
    not_fetched: int = 0
    lock_waited_s: float = 0.0
    errors_logged: int = 0
    store_error: str | None = None
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    refused_urls: int = 0

    @property
    def complete(self) -> bool:
        return self.finish_reason == "finished" and not self.failures and not self.errors_logged

    def summary(self, source: str) -> str:
        parts = [
            f"{source}: stored {self.stored} documents ({self.parse_errors} with parse errors"
            + (f", {self.new_versions} new versions of changed pages" if self.new_versions else "") + ")",
            f"skipped {self.skipped_stored} already stored and {self.skipped_out_of_range} out of range",
        ]
        if self.unchanged:
            parts.append(f"{self.unchanged} fetched again unchanged")
        if self.refused_urls:
            parts.append(f"{self.refused_urls} links refused (not http(s))")
        parts.append(
            f"{self.http_errors} HTTP errors, {self.offsite_redirects} off-site redirects, "
            f"{self.network_errors} network errors, {self.not_fetched} never fetched, {self.removed_pages} removed pages"
        )
        if self.lock_waited_s:
            parts.append(f"waited {self.lock_waited_s:g} s for other writers")
        return "; ".join(parts) + f"; finished: {self.finish_reason}"

    def problem(self, source: str, shown: int = 5) -> str | None:
        """One line naming what kept the crawl from being complete, or None when it is."""
        if self.complete:
            return None
        parts = []
        if self.finish_reason != "finished":
            parts.append(f"stopped early ({self.finish_reason})" + (f": {self.store_error}" if self.store_error else ""))
        if self.failures:
            named = ", ".join(f"{url} ({detail.removeprefix(f'{url}: ') or outcome})"
                              for url, outcome, detail in self.failures[:shown])
            more = f" and {len(self.failures) - shown} more (see `communique stats`)" if len(self.failures) > shown else ""
            parts.append(f"{len(self.failures)} pages not stored as briefings: {named}{more}")
        elif self.errors_logged:
            parts.append(f"{self.errors_logged} errors logged (run it again with --verbose to see them)")
        return f"crawl of {source} incomplete: " + "; ".join(parts)


def project_settings(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.update(overrides, priority="cmdline")
    return settings


def spider_loader() -> SpiderLoader:
    return SpiderLoader.from_settings(project_settings())


def configs() -> dict[str, Path]:
    """The config files by source name; a config may not take a spider's name."""
    paths = config_paths()
    spiders = set(spider_loader().list())
    for name, path in paths.items():
        if name in spiders:
            raise ConfigError(f"{path}: name: {name!r} is already the name of a spider")
    return paths


def spider_names() -> list[str]:
    """Every source `communique crawl` takes: spiders and configs."""
    return sorted(set(spider_loader().list()) | set(configs()))


def spider_class(source: str):
    """The spider class that crawls `source`: a spider's own, or a ConfiguredSpider carrying the config."""
    loader = spider_loader()
    if source in loader.list():
        return loader.load(source)
    paths = configs()
    if source in paths:
        return ConfiguredSpider.for_config(load_config(paths[source]))
    raise UnknownSource(f"unknown source {source!r}: known sources are {', '.join(spider_names())}")


def source_descriptions() -> list[dict]:
    """What `communique sources` shows of each spider and config: its ministry, layouts and manners."""
    loader, settings = spider_loader(), project_settings()
    spiders = set(loader.list())
    described = []
    for name in spider_names():
        manners = {
            "robots_txt": settings.getbool("ROBOTSTXT_OBEY"),
            "delay_s": settings.getfloat("DOWNLOAD_DELAY"),
            "user_agent": settings.get("USER_AGENT"),
        }
        try:
            spider = loader.load(name) if name in spiders else spider_class(name)
        except ConfigError as error:  # listed with its error, so that one bad file hides no other source
            described.append({"name": name, "ministry": f"config error: {error}", "country": "?",
                              "kind": "config", "layouts": [], **manners})
            continue
        custom = getattr(spider, "custom_settings", None) or {}
        described.append({
            "name": name,
            "ministry": spider.source.ministry,
            "country": spider.source.country,
            "kind": "spider" if name in spiders else "config",
            "layouts": list(spider.layouts),
            **manners,
            "robots_txt": custom.get("ROBOTSTXT_OBEY", manners["robots_txt"]),
            "delay_s": custom.get("DOWNLOAD_DELAY", manners["delay_s"]),
        })
    return described


def run_crawl(
    source: str,
    db_path: str | Path,
    replay: str | Path | None = None,
    since: str | None = None,
    until: str | None = None,
    refetch: str | None = None,
    log_level: str = "WARNING",
    progress: bool = True,
    settings: dict | None = None,
) -> CrawlReport:
    spidercls = spider_class(source)  # UnknownSource, or ConfigError naming the file and key
    timeout = (settings or {}).get("COMMUNIQUE_LOCK_TIMEOUT", LOCK_TIMEOUT_S)
    with Corpus(db_path, lock_timeout=timeout) as corpus:  # CorpusLocked before anything is fetched
        corpus.register_source(spidercls.source)
        waited_to_start = corpus.lock_waited_s
    overrides = {
        "COMMUNIQUE_DB": str(db_path),
        "COMMUNIQUE_PROGRESS": progress,
        "LOG_LEVEL": log_level,
        **(settings or {}),
    }
    with contextlib.ExitStack() as stack:
        if replay is not None:
            server = stack.enter_context(ReplayServer(replay))
            overrides.update(default_settings.replay_settings(server.base_url, server.archive.hosts))
        process = CrawlerProcess(project_settings(**overrides))
        crawler = process.create_crawler(spidercls)
        process.crawl(crawler, since=since, until=until, refetch=refetch)
        process.start()
    stats = crawler.stats.get_stats()
    return CrawlReport(
        stored=stats.get("communique/stored", 0),
        parse_errors=stats.get("communique/parse_errors", 0),
        skipped_stored=stats.get("communique/skipped_stored", 0),
        skipped_out_of_range=stats.get("communique/skipped_out_of_range", 0),
        http_errors=stats.get("communique/http_error", 0),
        finish_reason=stats.get("finish_reason", "unknown"),
        removed_pages=stats.get("communique/removed_pages", 0),
        unchanged=stats.get("communique/unchanged", 0),
        new_versions=stats.get("communique/new_versions", 0),
        offsite_redirects=stats.get("communique/offsite_redirect", 0),
        network_errors=stats.get("communique/network_error", 0),
        not_fetched=stats.get("communique/not_fetched", 0),
        lock_waited_s=round(waited_to_start + stats.get("communique/lock_waited_s", 0.0), 1),
        errors_logged=stats.get("log_count/ERROR", 0),
        store_error=stats.get("communique/store_error_message"),
        failures=stats.get("communique/failures", []),
        refused_urls=stats.get("communique/refused_urls", 0),
    )
