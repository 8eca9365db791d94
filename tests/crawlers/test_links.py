"""A list page may link anything: only http(s) pages are fetched, and nothing else is ever downloaded."""

from __future__ import annotations

from crawlers.run import project_settings
from crawlers.settings import replay_settings
from crawlers.spiders.fmprc import FmprcSpider
from tests.conftest import fmprc_page
from tests.crawlers.spider_tools import counts, make_spider, response, split


def test_javascript_and_file_links_of_a_list_page_are_refused_and_counted():
    body, url = fmprc_page("default.shtml")
    body = body.replace(b'href="./t1794629.shtml"', b'href="javascript:alert(document.domain)//t1794629.shtml"')
    body = body.replace(b'href="./t1794266.shtml"', b'href="file:///etc/t1794266.shtml"')
    spider = make_spider(FmprcSpider)
    requests, [listed] = split(spider.parse_list(response(url, body), page=0))
    urls = [request.url for request in requests]
    assert all(u.startswith("https://www.fmprc.gov.cn/") for u in urls + listed.requested)
    assert not any("t1794629" in u or "t1794266" in u for u in urls + listed.requested)
    assert any(u.endswith("/t1793861.shtml") for u in urls)
    assert counts(spider)["communique/refused_urls"] == 2


def test_only_the_http_download_handlers_are_enabled_live_and_in_replay():
    for settings in (project_settings(), project_settings(**replay_settings("http://127.0.0.1:1", ["x"]))):
        handlers = settings.getdict("DOWNLOAD_HANDLERS")
        assert {scheme: handlers[scheme] for scheme in ("file", "data", "ftp", "s3")} == dict.fromkeys(
            ("file", "data", "ftp", "s3"))
