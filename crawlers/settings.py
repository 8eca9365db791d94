"""Scrapy settings for every Communique spider: polite by default, and nothing listening.

The crawling manners live here, in the Scrapy project's own settings, once: the command
reads them through Scrapy (`communique sources` shows them). `replay_settings` turns
throttling off when the "site" is a local replay.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    _VERSION = version("communique")
except PackageNotFoundError:  # a source tree that was never installed
    _VERSION = "0+unknown"

CONTACT_URL = "https://github.com/communique-project/communique"

BOT_NAME = "communique"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = f"Communique/{_VERSION} (+{CONTACT_URL}; research crawler of diplomatic briefings)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0  # seconds; a configured site may ask for more, never less
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CLOSESPIDER_ERRORCOUNT = 50
COOKIES_ENABLED = False

# No way into a running crawl: Scrapy's telnet console and its remote-control HTTP
# endpoint (on by default since Scrapy 2.19, it runs any Python code it is sent) are off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {"crawlers.pipelines.CorpusPipeline": 300}

# Only http(s) is ever fetched: a link to file:///etc/passwd or data: must not be read.
NON_WEB_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
DOWNLOAD_HANDLERS = NON_WEB_HANDLERS

LOG_LEVEL = "WARNING"
FEED_EXPORT_ENCODING = "utf-8"


def replay_settings(base_url: str, hosts: list[str]) -> dict:
    """Route the given hosts to a local replay server, and stop throttling: it is our own disk."""
    handler = "crawlers.replay.ReplayDownloadHandler"
    return {
        "REPLAY_BASE_URL": base_url,
        "REPLAY_HOSTS": hosts,
        "DOWNLOAD_HANDLERS": {**NON_WEB_HANDLERS, "http": handler, "https": handler},
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    }
