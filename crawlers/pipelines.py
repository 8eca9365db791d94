"""The one way items reach the database: each Document is stored in its own transaction."""

from __future__ import annotations

from tqdm import tqdm

from corpus import Corpus


class CorpusPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("COMMUNIQUE_DB")
        self.corpus: Corpus | None = None
        self.progress: tqdm | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        if not self.db_path:
            raise ValueError("COMMUNIQUE_DB is not set: the pipeline has no corpus to write to")
        self.corpus = Corpus(self.db_path)
        self.corpus.register_source(self.crawler.spider.source)
        self.progress = tqdm(
            desc=f"{self.crawler.spider.name}: documents stored",
            unit="doc",
            disable=not self.crawler.settings.getbool("COMMUNIQUE_PROGRESS", True),
        )

    def process_item(self, item):
        self.corpus.store_document(item)
        self.crawler.stats.inc_value("communique/stored")
        self.progress.update(1)
        return item

    def close_spider(self) -> None:
        if self.corpus is None:
            return
        dated = self.corpus.infer_missing_dates(self.crawler.spider.source.name)
        self.crawler.stats.set_value("communique/dates_from_neighbours", dated)
        self.progress.close()
        self.corpus.close()
