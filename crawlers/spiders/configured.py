"""One spider for the long tail: a ministry described by a YAML file in crawlers/configs/.

The config (crawlers/site_config.py states its schema) says where the list pages are
and how they page, which elements of a list page are the briefings, which element of an
article is its body, and how speaker labels read. Reading a page is a pure function of
(config, HTML, URL) on parsel selectors, each field gathered by an ItemLoader whose
processors clean, join and date it; `ConfiguredSpider` is the thin Scrapy side, the
base spider's paging and error handling included. `ConfiguredSpider.for_config(config)`
makes the spider class that `communique crawl NAME` runs.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import parsel
from itemloaders import ItemLoader
from itemloaders.processors import Join, MapCompose, TakeFirst

from corpus.dates import has_year, read_date
from crawlers.parsing import BY_TYPE, CONTINUE, LayoutError, Paragraph, Turn, assemble_segments, clean_text
from crawlers.parsing import looks_like_name, paragraphs_of, require_complete, split_label
from crawlers.site_config import (  # noqa: F401 - the config's names, from where spiders look for them
    CONFIG_DIR,
    ConfigError,
    Selector,
    SiteConfig,
    TurnSpec,
    config_paths,
    load_config,
)
from crawlers.spiders.base import Briefing, BriefingSpider, ListedArticle, ListPage

_HEADING = "\ue000"  # marks the paragraphs that come from heading elements (private-use character)


class FieldLoader(ItemLoader):
    """Gathers one record's fields from a page: each text cleaned, empty ones dropped, joined."""

    default_item_class = dict
    default_input_processor = MapCompose(clean_text, lambda text: text or None)
    default_output_processor = Join(" ")
    link_out = TakeFirst()

    def add_texts(self, field: str, selector: Selector | None, elements_only: bool = False) -> None:
        if selector is not None:
            self.add_value(field, selector.texts(self.selector, elements_only))


def read_config_date(config: SiteConfig, text: str | None) -> dt.date | None:
    dates = config.dates
    return read_date(text, dayfirst=dates.dayfirst, yearfirst=dates.yearfirst, pattern=dates.pattern)


# List pages ----------------------------------------------------------------------------


def next_list_urls(config: SiteConfig, url: str, page: parsel.Selector) -> list[str]:
    """The list pages after `url`: the template's next number within max_pages, or the `next` links."""
    pagination = config.list.pagination
    if pagination.template:
        pattern = re.escape(pagination.template).replace(re.escape("{page}"), r"(\d+)")
        number = re.fullmatch(pattern, url)
        following = int(number.group(1)) + 1 if number else pagination.first + 1
        if following >= pagination.first + pagination.max_pages:
            return []
        return [pagination.template.replace("{page}", str(following))]
    if pagination.next is None:
        return []
    links = [urljoin(url, href.strip()) for href in pagination.next.hrefs(page) if href.strip()]
    return [link for link in dict.fromkeys(links) if link != url]


def parse_list_page(config: SiteConfig, html: str | bytes, url: str) -> ListPage:
    """The briefings a list page links and its links to further list pages; an empty page lists none."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    if not text.strip():
        return ListPage(articles=[])
    page, listing = parsel.Selector(text=text), config.list
    articles: dict[str, ListedArticle] = {}
    for item in listing.item.select(page):
        loader = FieldLoader(selector=item)
        loader.add_value("link", listing.link.hrefs(item))
        link = loader.get_output_value("link")
        if not link:
            continue
        link = urljoin(url, link)
        if listing.article_url:
            link = listing.article_url.rewrite(link)
        # without a title selector, the link's own text (an XPath to its @href gives none)
        loader.add_texts("title", listing.title or listing.link, elements_only=listing.title is None)
        loader.add_texts("date", listing.date)
        articles.setdefault(link, ListedArticle(url=link, title=loader.get_output_value("title") or "",
                                                date=read_config_date(config, loader.get_output_value("date"))))
    return ListPage(articles=list(articles.values()), next_urls=next_list_urls(config, url, page))


# Articles ------------------------------------------------------------------------------


def native_id(config: SiteConfig, url: str) -> str:
    """The article's id: `article.id`'s group in the URL, else the last segment of its path."""
    pattern = config.article.id
    if pattern is not None and (match := pattern.search(url)):
        return match.group("id") if "id" in pattern.groupindex else match.group(1 if pattern.groups else 0)
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rpartition("/")[2]
    stem = last.rpartition(".")[0] or last
    return f"{stem}?{parts.query}" if parts.query else stem or parts.hostname or url


def _matches(patterns: list[re.Pattern], label: str) -> bool:
    return any(pattern.search(label) for pattern in patterns)


def _group(pattern: re.Pattern, text: str, name: str) -> str | None:
    match = pattern.search(text)
    value = match and (match.group(name) if name in pattern.groupindex else match.group(1))
    return clean_text(value) if value else None


def classify_turn(paragraph: Paragraph, turns: TurnSpec) -> Turn:
    """How one paragraph reads under a config: a heading (note), a labelled question or answer, or neither.

    A label counts as an answer when it matches `turns.answer`; as a question when it is
    shaped like a name (an outlet, a reporter, "Question") and matches `turns.question`.
    Any other "...:" is the speaker's own phrasing and carries the turn on.
    """
    text = paragraph.text
    if paragraph.separator:
        return Turn("separator", text)
    if text.startswith(_HEADING):
        return Turn("note", text[len(_HEADING):].strip())
    if turns.label is None:
        labelled = split_label(text)
    else:
        match = turns.label.match(text)
        labelled = (clean_text(match.group("label")), text[match.end():].strip()) if match and match.group("label") else None
    if labelled:
        label, rest = labelled
        if _matches(turns.answer, label):
            return Turn("answer", rest, label, _group(turns.speaker, label, "name") if turns.speaker else None)
        name_shaped = looks_like_name(label, turns.max_label_words)
        if name_shaped and _matches(turns.question, label):
            return Turn("question", rest, label, None if _matches(turns.anonymous, label) else label)
        if not rest and not name_shaped:
            return Turn("note", text)  # "The following question was raised after the press conference:"
    return Turn(None, text, bold=paragraph.bold)


def _top_level(matches: parsel.SelectorList) -> list:
    """The lxml elements matched that are not inside another match, in document order."""
    chosen = [match.root for match in matches if not isinstance(match.root, str)]
    within = set(chosen)
    return [element for element in chosen if not any(ancestor in within for ancestor in element.iterancestors())]


def article_paragraphs(config: SiteConfig, page: parsel.Selector, url: str) -> list[Paragraph]:
    article = config.article
    bodies = _top_level(article.body.select(page))
    if not bodies:
        raise LayoutError(f"{url}: {config.name}: no body: nothing matches {article.body}")
    require_complete(bodies[-1], url, config.layout)
    if article.footer is not None and not article.footer.select(page):
        raise LayoutError(f"{url}: {config.name}: no footer ({article.footer}): the page is incomplete (cut short?)")
    for body in bodies:
        for selector in article.drop:
            for element in _top_level(selector.select(parsel.Selector(root=body))):
                element.drop_tree()
        if config.turns.headings is not None:
            for heading in _top_level(config.turns.headings.select(parsel.Selector(root=body))):
                heading.text = _HEADING + (heading.text or "")
    paragraphs = []
    for body in bodies:
        for paragraph in paragraphs_of(body):
            text = paragraph.text[0] + paragraph.text[1:].replace(_HEADING, "")
            if not _matches(article.skip, text.lstrip(_HEADING)):
                paragraphs.append(Paragraph(text=text, bold=paragraph.bold, separator=paragraph.separator))
    if not paragraphs:
        raise LayoutError(f"{url}: {config.name}: the body ({article.body}) has no text")
    return paragraphs


def parse_article(config: SiteConfig, html: str | bytes, url: str, listed_title: str | None = None,
                  listed_date: dt.date | None = None) -> Briefing:
    """A briefing read as the config says; LayoutError when the page has no body or title."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    page, article = parsel.Selector(text=text), config.article
    loader = FieldLoader(selector=page)
    loader.add_texts("title", article.title)
    loader.add_texts("date", article.date)
    title = loader.get_output_value("title") or listed_title
    if not title:
        where = f"nothing matches {article.title}" if article.title else "no article.title in the config"
        raise LayoutError(f"{url}: {config.name}: no title: {where}, and the list gave none")
    turns = [classify_turn(paragraph, config.turns) for paragraph in article_paragraphs(config, page, url)]
    spokesperson = _group(article.spokesperson, title, "name") if article.spokesperson else None
    if spokesperson is None:
        spokesperson = next((turn.speaker for turn in turns if turn.role == "answer" and turn.speaker), None)
    date, inferred = read_config_date(config, loader.get_output_value("date")), None
    if not has_year(date) and config.dates.pattern is not None:
        date = read_config_date(config, title)
    if not has_year(date):
        date, inferred = (listed_date, "date from the list page") if has_year(listed_date) else (None, None)
    return Briefing(
        title=title,
        spokesperson=spokesperson,
        kind=(_group(article.kind, title, "kind") if article.kind else None) or article.default_kind,
        date=date,
        date_inferred=inferred,
        segments=assemble_segments(turns, spokesperson, CONTINUE if config.turns.unlabelled == "continue" else BY_TYPE),
        layout=config.layout,
    )


# The spider ----------------------------------------------------------------------------


class ConfiguredSpider(BriefingSpider):
    """A BriefingSpider driven by a SiteConfig.

    Run it as `ConfiguredSpider.for_config(config)` (a class carrying the config's name,
    Source, hosts and delay, which Scrapy needs before it makes the spider), or as
    `ConfiguredSpider(config=...)` with a SiteConfig, a config name or a path.
    """

    config: SiteConfig | None = None

    @classmethod
    def for_config(cls, config: SiteConfig) -> type[ConfiguredSpider]:
        delay = config.politeness.delay
        return type(f"ConfiguredSpider_{config.name}", (cls,), {
            "__module__": __name__,
            "__doc__": f"The configured spider of {config.path}.",
            "name": config.name,
            "config": config,
            "source": config.source,
            "layouts": (config.layout,),
            "allowed_domains": list(config.hosts),
            "custom_settings": {"DOWNLOAD_DELAY": delay} if delay is not None else {},
        })

    def __init__(self, *args, config: SiteConfig | str | Path | None = None, **kwargs):
        if config is not None and not isinstance(config, SiteConfig):
            paths = config_paths()
            config = load_config(paths[str(config)] if str(config) in paths else config)
        if config is None and self.config is None:
            raise ValueError("ConfiguredSpider needs a config: ConfiguredSpider.for_config(config) or config=...")
        if config is not None:
            kwargs.setdefault("name", config.name)
        super().__init__(*args, **kwargs)
        if config is not None:
            self.config, self.source = config, config.source
            self.layouts, self.allowed_domains = (config.layout,), list(config.hosts)
        self.list_urls = self.config.list.first_urls
        self.max_list_pages = self.config.list.pagination.max_pages

    def read_list(self, html, url):
        return parse_list_page(self.config, html, url)

    def briefing_of(self, response, listed):
        return parse_article(self.config, response.body, response.url, listed.title or None, listed.date)

    def native_id(self, url):
        return native_id(self.config, url)
