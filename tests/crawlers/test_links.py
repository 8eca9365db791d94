"""A list page may link anything: only http(s) pages are fetched, and nothing else is ever downloaded."""

from __future__ import annotations

from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawlers.run import project_settings
from crawlers.settings import replay_settings
from crawlers.spiders.fmprc import FmprcSpider
from tests.conftest import fmprc_page


def test_javascript_and_file_links_of_a_list_page_are_refused_and_counted():
    body, url = fmprc_page("default.shtml")
    body = body.replace(b'href="./t1794629.shtml"', b'href="javascript:alert(document.domain)//t1794629.shtml"')
    body = body.replace(b'href="./t1794266.shtml"', b'href="file:///etc/t1794266.shtml"')
    crawler = get_crawler(FmprcSpider)
    spider = FmprcSpider.from_crawler(crawler)
    requests = list(spider.parse_list(HtmlResponse(url=url, body=body, encoding="utf-8"), page=0))
    urls = [request.url for request in requests]
    assert all(u.startswith("https://www.fmprc.gov.cn/") for u in urls)
    assert not any("t1794629" in u or "t1794266" in u for u in urls)
    assert any(u.endswith("/t1793861.shtml") for u in urls)
    assert crawler.stats.get_value("communique/refused_urls") == 2


def test_only_the_http_download_handlers_are_enabled_live_and_in_replay():
    for settings in (project_settings(), project_settings(**replay_settings("http://127.0.0.1:1", ["x"]))):
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        assert {scheme: handlers[scheme] for scheme in ("file", "data", "ftp", "s3")} == dict.fromkeys(
            ("file", "data", "ftp", "s3"))
