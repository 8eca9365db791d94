"""One spider per source; Scrapy's spider loader finds them here by `name`."""
