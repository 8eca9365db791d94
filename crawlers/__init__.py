"""The Scrapy project: settings, the corpus pipeline, the replay transport and one spider per source."""
