"""Spiders and responses as Scrapy makes them, for tests that call a spider's callbacks directly."""

from __future__ import annotations

import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawlers.items import FetchResult


def make_spider(spidercls, **kwargs):
    """A spider bound to a real (unstarted) crawler, so that its stats are Scrapy's own."""
    return spidercls.from_crawler(get_crawler(spidercls), **kwargs)


def response(url: str, body: bytes | str, status: int = 200, meta: dict | None = None) -> HtmlResponse:
    """The response to a request for `url`, as a callback receives it."""
    body = body.encode("utf-8") if isinstance(body, str) else body
    request = scrapy.Request(url, meta=meta or {})
    return HtmlResponse(url=url, body=body, status=status, encoding="utf-8", request=request)


def counts(spider) -> dict:
    """The spider's own counters (communique/...)."""
    return {key: value for key, value in spider.crawler.stats.get_stats().items() if key.startswith("communique/")}


def split(output) -> tuple[list[scrapy.Request], list[FetchResult]]:
    """A callback's output: the requests it makes, and what it reports."""
    output = list(output)
    return [o for o in output if isinstance(o, scrapy.Request)], [o for o in output if isinstance(o, FetchResult)]
