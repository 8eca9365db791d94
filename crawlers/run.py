"""Run one spider into a corpus, live or against a replay folder. The command's entry to Scrapy.

A source is either a spider of crawlers/spiders/ or a config of crawlers/configs/ (a
YAML file per ministry, run by the ConfiguredSpider); `communique crawl NAME` takes both.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawlers import settings as default_settings
from crawlers.replay import ReplayServer
from crawlers.spiders.configured import ConfigError, ConfiguredSpider, config_paths, load_config


class UnknownSource(LookupError):
    """No spider has that name."""


@dataclass
class CrawlReport:
    stored: int
    parse_errors: int
    skipped_stored: int
    skipped_out_of_range: int
    http_errors: int
    finish_reason: str
    removed_pages: int = 0


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
        try:
            spider = loader.load(name) if name in spiders else spider_class(name)
        except ConfigError as error:  # listed with its error, so that one bad file hides no other source
            described.append(
                {
                    "name": name,
                    "ministry": f"config error: {error}",
                    "country": "?",
                    "kind": "config",
                    "layouts": [],
                    "robots_txt": settings.getbool("ROBOTSTXT_OBEY"),
                    "delay_s": settings.getfloat("DOWNLOAD_DELAY"),
                    "user_agent": settings.get("USER_AGENT"),
                }
            )
            continue
        custom = getattr(spider, "custom_settings", None) or {}
        described.append(
            {
                "name": name,
                "ministry": spider.source.ministry,
                "country": spider.source.country,
                "kind": "spider" if name in spiders else "config",
                "layouts": list(spider.layouts),
                "robots_txt": custom.get("ROBOTSTXT_OBEY", settings.getbool("ROBOTSTXT_OBEY")),
                "delay_s": custom.get("DOWNLOAD_DELAY", settings.getfloat("DOWNLOAD_DELAY")),
                "user_agent": settings.get("USER_AGENT"),
            }
        )
    return described


def run_crawl(
    source: str,
    db_path: str | Path,
    replay: str | Path | None = None,
    since: str | None = None,
    until: str | None = None,
    jobdir: str | Path | None = None,
    log_level: str = "WARNING",
    progress: bool = True,
) -> CrawlReport:
    spidercls = spider_class(source)  # UnknownSource, or ConfigError naming the file and key
    overrides = {
        "COMMUNIQUE_DB": str(db_path),
        "COMMUNIQUE_PROGRESS": progress,
        "LOG_LEVEL": log_level,
    }
    if jobdir:
        overrides["JOBDIR"] = str(jobdir)
    with contextlib.ExitStack() as stack:
        if replay is not None:
            server = stack.enter_context(ReplayServer(replay))
            overrides.update(default_settings.replay_settings(server.base_url, server.archive.hosts))
        process = CrawlerProcess(project_settings(**overrides))
        crawler = process.create_crawler(spidercls)
        process.crawl(crawler, since=since, until=until)
        process.start()
    stats = crawler.stats.get_stats()
    return CrawlReport(
        stored=stats.get("communique/stored", 0),
        parse_errors=stats.get("communique/parse_errors", 0),
        skipped_stored=stats.get("communique/skipped_stored", 0),
        skipped_out_of_range=stats.get("communique/skipped_out_of_range", 0),
        http_errors=sum(v for k, v in stats.items() if k.startswith("httperror/response_ignored_status_count/")),
        finish_reason=stats.get("finish_reason", "unknown"),
        removed_pages=stats.get("communique/removed_pages", 0),
    )
