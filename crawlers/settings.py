"""Scrapy settings for every Communique spider: polite by default.

Politeness values come from communique.config so that they are set in one place;
`replay_settings` turns throttling off when the "site" is a local replay.
"""

from communique.config import POLITENESS

BOT_NAME = "communique"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = POLITENESS.user_agent
ROBOTSTXT_OBEY = POLITENESS.obey_robots_txt
CONCURRENT_REQUESTS_PER_DOMAIN = POLITENESS.concurrent_requests_per_domain
DOWNLOAD_DELAY = POLITENESS.download_delay
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = POLITENESS.autothrottle_target_concurrency
CLOSESPIDER_ERRORCOUNT = POLITENESS.close_on_error_count
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {"crawlers.pipelines.CorpusPipeline": 300}

LOG_LEVEL = "WARNING"
FEED_EXPORT_ENCODING = "utf-8"


def replay_settings(base_url: str, hosts: list[str]) -> dict:
    """Route the given hosts to a local replay server, and stop throttling: it is our own disk."""
    handler = "crawlers.replay.ReplayDownloadHandler"
    return {
        "REPLAY_BASE_URL": base_url,
        "REPLAY_HOSTS": hosts,
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    }
