"""One spider for the long tail: a ministry described by a YAML file in crawlers/configs/.

A config names the source (ministry, country, language), where the list pages are and
how they page (a URL template with `{page}`, or a selector for links to further list
pages), which elements of a list page are the briefings (item, link, title, date), and
which element of an article is its body; optionally how speaker labels read ("Official
Spokesperson, Shri Arindam Bagchi:" answers, "NHK, Iwasawa:" asks), how dates are
written, and the delay the site asks for. Selectors are CSS unless the config says
`selectors: xpath`; any one of them can say which it is with `{css: ...}` or `{xpath: ...}`.

Everything that reads a page is a pure function of (config, HTML, URL), as in fmprc.py;
`ConfiguredSpider` is the thin Scrapy side. `ConfiguredSpider.for_config(config)` makes
a spider class that carries the config's Source, name, hosts and delay, which is what
`communique crawl NAME` runs. Loading a config checks every key and names the file and
the key in its error ("mea.yaml: list.item: missing").
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
import yaml
from dateutil import parser as date_parser

from communique.config import POLITENESS
from corpus.records import Source
from crawlers.parsing import (
    LayoutError,
    Paragraph,
    Turn,
    assemble_segments,
    clean_text,
    looks_like_name,
    paragraphs_of,
    parse_html,
    split_label,
)
from crawlers.spiders.base import Briefing, BriefingSpider, ListedArticle

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
# More folders of configs, separated like PATH (os.pathsep), for configs kept outside the package.
CONFIG_PATH_ENV = "COMMUNIQUE_CONFIGS"

_HEADING = "\ue000"  # marks the paragraphs that come from heading elements (private-use character)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ConfigError(ValueError):
    """A config file is unreadable or has a missing, unknown or malformed key."""


# Selectors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Selector:
    """A CSS or XPath expression, evaluated relative to an element."""

    syntax: str  # "css" or "xpath"
    expression: str

    def select(self, node) -> list:
        """Elements, or strings for an XPath that selects text or attributes."""
        if self.syntax == "css":
            return node.cssselect(self.expression)
        result = node.xpath(self.expression)
        return result if isinstance(result, list) else [result]

    def elements(self, node) -> list:
        return [found for found in self.select(node) if not isinstance(found, str)]

    def texts(self, node) -> list[str]:
        texts = []
        for found in self.select(node):
            if isinstance(found, str):
                text = found
            elif found.tag == "meta":
                text = found.get("content") or ""
            else:
                text = found.text_content()
            text = clean_text(text)
            if text:
                texts.append(text)
        return texts

    def text(self, node) -> str | None:
        """The text of the matches, joined: an item's date may be split over text nodes."""
        texts = self.texts(node)
        return " ".join(texts) if texts else None

    def hrefs(self, node) -> list[str]:
        found_hrefs = []
        for found in self.select(node):
            href = found if isinstance(found, str) else found.get("href")
            if href and href.strip():
                found_hrefs.append(href.strip())
        return found_hrefs

    def __str__(self) -> str:
        return f"{self.syntax} {self.expression!r}"


# The config ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pagination:
    template: str | None = None  # a list URL with {page}
    first: int = 1  # the number {page} takes on the first list page
    next: Selector | None = None  # links to further list pages
    max_pages: int = 1


@dataclass(frozen=True)
class ArticleUrl:
    """Listed links rewritten into the URL to fetch: `match` on the link, `url` filled with its groups."""

    match: re.Pattern
    url: str

    def rewrite(self, link: str) -> str:
        found = self.match.search(link)
        if not found:
            return link
        return self.url.format(*found.groups(), **found.groupdict())


@dataclass(frozen=True)
class ListConfig:
    urls: tuple[str, ...]
    pagination: Pagination
    item: Selector
    link: Selector
    title: Selector | None = None
    date: Selector | None = None
    article_url: ArticleUrl | None = None


@dataclass(frozen=True)
class ArticleConfig:
    body: Selector
    title: Selector | None = None
    date: Selector | None = None
    id: re.Pattern | None = None
    drop: tuple[Selector, ...] = ()
    skip: tuple[re.Pattern, ...] = ()
    spokesperson: re.Pattern | None = None
    kind: re.Pattern | None = None
    default_kind: str = "briefing"


@dataclass(frozen=True)
class TurnConfig:
    label: re.Pattern | None = None  # where a speaker label ends; default "Label: text"
    answer: tuple[re.Pattern, ...] = ()
    question: tuple[re.Pattern, ...] = (re.compile("."),)
    anonymous: tuple[re.Pattern, ...] = (re.compile(r"^(?:Q|Question|Questioner|Reporter|Journalist)$", re.I),)
    speaker: re.Pattern | None = None  # the name in an answer's label
    headings: Selector | None = None  # body elements that are topic headings: kept as notes
    unlabelled: str = "continue"  # a plain paragraph after a question: "continue" it or start an "answer"
    max_label_words: int = 8


@dataclass(frozen=True)
class DateConfig:
    dayfirst: bool = False
    yearfirst: bool = False
    pattern: re.Pattern | None = None  # where the date is in a text: group "date", else group 1, else the match


@dataclass(frozen=True)
class SiteConfig:
    path: Path
    name: str
    source: Source
    layout: str
    list: ListConfig
    article: ArticleConfig
    turns: TurnConfig = field(default_factory=TurnConfig)
    dates: DateConfig = field(default_factory=DateConfig)
    delay: float | None = None

    @property
    def hosts(self) -> tuple[str, ...]:
        urls = [*self.list.urls, self.source.homepage or ""]
        if self.list.pagination.template:
            urls.append(self.list.pagination.template)
        if self.list.article_url:
            urls.append(self.list.article_url.url)
        return tuple(sorted({urlsplit(url).hostname for url in urls if urlsplit(url).hostname}))

    def start_urls(self) -> list[str]:
        if self.list.urls:
            return list(self.list.urls)
        return [list_page_url(self, 0)]


class _Reader:
    """Reads one mapping of a config file, naming the file and the dotted key in every error."""

    def __init__(self, path: Path, data: Any, prefix: str = "", syntax: str = "css"):
        self.path, self.prefix, self.syntax = path, prefix, syntax
        if not isinstance(data, dict):
            raise self.error(prefix.rstrip(".") or "(top level)", f"must be a mapping, not {type(data).__name__}")
        self.data = data

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key}: {problem}")

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def check_keys(self, known: Iterable[str]) -> None:
        known = list(known)
        for name in self.data:
            if name not in known:
                raise self.error(self.key(str(name)), f"unknown key (known here: {', '.join(known)})")

    def get(self, name: str, kind: type | tuple[type, ...], required: bool = False, default: Any = None) -> Any:
        if name not in self.data or self.data[name] is None:
            if required:
                raise self.error(self.key(name), "missing")
            return default
        value = self.data[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and kind in (int, float):
            raise self.error(self.key(name), f"must be a number, not {value!r}")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(self.key(name), f"must be a {names}, not {type(value).__name__} {value!r}")
        if isinstance(value, str) and not value.strip():
            raise self.error(self.key(name), "is empty")
        return value

    def sub(self, name: str, required: bool = False) -> _Reader | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.error(self.key(name), "missing")
            return None
        return _Reader(self.path, value, f"{self.key(name)}.", self.syntax)

    def url(self, value: str, key: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.error(key, f"{value!r} is not an http(s) URL")
        return value

    def regex(self, value: Any, key: str) -> re.Pattern:
        if not isinstance(value, str) or not value:
            raise self.error(key, f"must be a regular expression string, not {value!r}")
        try:
            return re.compile(value)
        except re.error as error:
            raise self.error(key, f"bad regular expression {value!r} ({error})") from error

    def pattern(self, name: str, required: bool = False) -> re.Pattern | None:
        value = self.get(name, str, required)
        return None if value is None else self.regex(value, self.key(name))

    def patterns(self, name: str, default: tuple = ()) -> tuple[re.Pattern, ...]:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.error(self.key(name), f"must be a regular expression or a list of them, not {value!r}")
        return tuple(self.regex(item, f"{self.key(name)}[{index}]") for index, item in enumerate(value))

    def selector_of(self, value: Any, key: str) -> Selector:
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in ("css", "xpath"):
                raise self.error(key, f"must be a selector string or {{css: ...}} / {{xpath: ...}}, not {value!r}")
            syntax, expression = next(iter(value.items()))
        else:
            syntax, expression = self.syntax, value
        if not isinstance(expression, str) or not expression.strip():
            raise self.error(key, f"must be a non-empty selector, not {expression!r}")
        selector = Selector(syntax, expression.strip())
        try:  # compile it once now, so that a typo fails at loading, not mid-crawl
            selector.select(parse_html("<html><body><p>x</p></body></html>"))
        except Exception as error:  # cssselect.SelectorError, lxml.etree.XPathError
            raise self.error(key, f"bad {syntax} selector {expression!r} ({error})") from error
        return selector

    def selector(self, name: str, required: bool = False) -> Selector | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self.error(self.key(name), "missing")
            return None
        return self.selector_of(value, self.key(name))

    def selectors(self, name: str) -> tuple[Selector, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            value = [value]
        return tuple(self.selector_of(item, f"{self.key(name)}[{index}]") for index, item in enumerate(value))


_TOP_KEYS = (
    "name", "ministry", "country", "language", "homepage", "layout", "selectors",
    "list", "article", "turns", "dates", "politeness",
)


def load_config(path: str | Path) -> SiteConfig:
    """Read and check a config file; every error names the file and the key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: is not valid YAML ({error})") from error
    top = _Reader(path, data)
    top.check_keys(_TOP_KEYS)
    syntax = top.get("selectors", str, default="css")
    if syntax not in ("css", "xpath"):
        raise top.error("selectors", f"must be css or xpath, not {syntax!r}")
    top.syntax = syntax

    name = top.get("name", str, required=True)
    if not _NAME.match(name):
        raise top.error("name", f"{name!r} must be lower-case letters, digits and _ (it is the source's name)")
    if name != path.stem:
        raise top.error("name", f"{name!r} differs from the file name: call the file {name}.yaml")
    country = top.get("country", str, required=True)
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise top.error("country", f"{country!r} must be a two-letter ISO 3166 code such as IN")
    homepage = top.get("homepage", str)
    source = Source(
        name=name,
        ministry=top.get("ministry", str, required=True),
        country=country,
        language=top.get("language", str, required=True),
        homepage=top.url(homepage, "homepage") if homepage else None,
    )
    return SiteConfig(
        path=path,
        name=name,
        source=source,
        layout=top.get("layout", str, default=name),
        list=_list_config(top.sub("list", required=True)),
        article=_article_config(top.sub("article", required=True)),
        turns=_turn_config(top.sub("turns")),
        dates=_date_config(top.sub("dates")),
        delay=_delay(top.sub("politeness")),
    )


def _list_config(reader: _Reader) -> ListConfig:
    reader.check_keys(("url", "urls", "pagination", "item", "link", "title", "date", "article_url"))
    urls: list[str] = []
    if "url" in reader.data and "urls" in reader.data:
        raise reader.error(reader.key("urls"), "give url or urls, not both")
    if reader.get("url", str):
        urls = [reader.url(reader.data["url"], reader.key("url"))]
    elif reader.data.get("urls") is not None:
        value = reader.data["urls"]
        if not isinstance(value, list) or not value:
            raise reader.error(reader.key("urls"), f"must be a list of URLs, not {value!r}")
        urls = [reader.url(str(url), f"{reader.key('urls')}[{index}]") for index, url in enumerate(value)]
    pagination = _pagination(reader.sub("pagination"), urls)
    if not urls and not pagination.template:
        raise reader.error(reader.key("url"), "missing (give url, urls, or a pagination.template)")
    article_url = None
    if (sub := reader.sub("article_url")) is not None:
        sub.check_keys(("match", "url"))
        article_url = ArticleUrl(match=sub.pattern("match", required=True), url=sub.get("url", str, required=True))
        try:
            sample = article_url.url.format(*(["0"] * article_url.match.groups), **dict.fromkeys(article_url.match.groupindex, "0"))
        except (IndexError, KeyError) as error:
            raise sub.error(sub.key("url"), f"uses {error} that list.article_url.match does not capture") from error
        sub.url(sample, sub.key("url"))
    return ListConfig(
        urls=tuple(urls),
        pagination=pagination,
        item=reader.selector("item", required=True),
        link=reader.selector("link", required=True),
        title=reader.selector("title"),
        date=reader.selector("date"),
        article_url=article_url,
    )


def _pagination(reader: _Reader | None, urls: list[str]) -> Pagination:
    if reader is None:
        return Pagination()
    reader.check_keys(("template", "first", "max_pages", "next"))
    template = reader.get("template", str)
    next_selector = reader.selector("next")
    if template and next_selector:
        raise reader.error(reader.key("next"), "give a template or a next selector, not both")
    if template is not None:
        if "{page}" not in template:
            raise reader.error(reader.key("template"), f"{template!r} has no {{page}}")
        reader.url(template.replace("{page}", "1"), reader.key("template"))
        if len(urls) > 1:
            raise reader.error(reader.key("template"), "a template pages one listing: give at most one list url")
    max_pages = reader.get("max_pages", int, required=bool(template or next_selector), default=1)
    if max_pages < 1:
        raise reader.error(reader.key("max_pages"), f"must be at least 1, not {max_pages}")
    return Pagination(template=template, first=reader.get("first", int, default=1), next=next_selector, max_pages=max_pages)


def _article_config(reader: _Reader) -> ArticleConfig:
    reader.check_keys(("body", "title", "date", "id", "drop", "skip", "spokesperson", "kind", "default_kind"))
    spokesperson = reader.pattern("spokesperson")
    if spokesperson is not None and "name" not in spokesperson.groupindex and spokesperson.groups < 1:
        raise reader.error(reader.key("spokesperson"), "needs a group: (?P<name>...)")
    kind = reader.pattern("kind")
    if kind is not None and "kind" not in kind.groupindex and kind.groups < 1:
        raise reader.error(reader.key("kind"), "needs a group: (?P<kind>...)")
    return ArticleConfig(
        body=reader.selector("body", required=True),
        title=reader.selector("title"),
        date=reader.selector("date"),
        id=reader.pattern("id"),
        drop=reader.selectors("drop"),
        skip=reader.patterns("skip"),
        spokesperson=spokesperson,
        kind=kind,
        default_kind=reader.get("default_kind", str, default="briefing"),
    )


def _turn_config(reader: _Reader | None) -> TurnConfig:
    if reader is None:
        return TurnConfig()
    reader.check_keys(("label", "answer", "question", "anonymous", "speaker", "headings", "unlabelled", "max_label_words"))
    label = reader.pattern("label")
    if label is not None and "label" not in label.groupindex:
        raise reader.error(reader.key("label"), "needs a group (?P<label>...); the text after the match is the turn")
    speaker = reader.pattern("speaker")
    if speaker is not None and "name" not in speaker.groupindex and speaker.groups < 1:
        raise reader.error(reader.key("speaker"), "needs a group: (?P<name>...)")
    unlabelled = reader.get("unlabelled", str, default="continue")
    if unlabelled not in ("continue", "answer"):
        raise reader.error(reader.key("unlabelled"), f"must be continue or answer, not {unlabelled!r}")
    defaults = TurnConfig()
    return TurnConfig(
        label=label,
        answer=reader.patterns("answer"),
        question=reader.patterns("question", defaults.question),
        anonymous=reader.patterns("anonymous", defaults.anonymous),
        speaker=speaker,
        headings=reader.selector("headings"),
        unlabelled=unlabelled,
        max_label_words=reader.get("max_label_words", int, default=defaults.max_label_words),
    )


def _date_config(reader: _Reader | None) -> DateConfig:
    if reader is None:
        return DateConfig()
    reader.check_keys(("dayfirst", "yearfirst", "pattern"))
    return DateConfig(
        dayfirst=reader.get("dayfirst", bool, default=False),
        yearfirst=reader.get("yearfirst", bool, default=False),
        pattern=reader.pattern("pattern"),
    )


def _delay(reader: _Reader | None) -> float | None:
    if reader is None:
        return None
    reader.check_keys(("delay",))
    delay = reader.get("delay", float)
    if delay is not None and delay < POLITENESS.download_delay:
        raise reader.error(
            reader.key("delay"),
            f"{delay:g} s is below the project's {POLITENESS.download_delay:g} s: a config may only ask for more",
        )
    return delay


def config_dirs() -> list[Path]:
    extra = [Path(folder) for folder in os.environ.get(CONFIG_PATH_ENV, "").split(os.pathsep) if folder]
    return [CONFIG_DIR, *extra]


def config_paths() -> dict[str, Path]:
    """Every config file by source name (its file name), crawlers/configs/ first."""
    found: dict[str, Path] = {}
    for folder in config_dirs():
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            if path.stem in found:
                raise ConfigError(f"{path}: source {path.stem!r} is already configured in {found[path.stem]}")
            found[path.stem] = path
    return found


# Dates ---------------------------------------------------------------------------------

_HAS_YEAR = re.compile(r"\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2}\b")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_BRACKETS = re.compile(r"[()\[\]{}]")


def parse_date(text: str | None, dates: DateConfig) -> dt.date | None:
    """A date in a text, as dateutil reads it with the config's hints; year 1 when the text has none."""
    if not text:
        return None
    if dates.pattern is not None:
        match = dates.pattern.search(text)
        if not match:
            return None
        text = match.group("date") if "date" in dates.pattern.groupindex else match.group(1 if dates.pattern.groups else 0)
    text = _BRACKETS.sub(" ", text)  # "(March 31, 2023)" fools dateutil's fuzzy mode
    try:
        with warnings.catch_warnings():  # "D.C." in a date line reads as an unknown time zone
            warnings.simplefilter("ignore", date_parser.UnknownTimezoneWarning)
            parsed = date_parser.parse(
                text, dayfirst=dates.dayfirst, yearfirst=dates.yearfirst, fuzzy=True, default=dt.datetime(2000, 1, 1)
            ).date()
    except (ValueError, OverflowError):
        return None
    years = {int(year) for year in _YEAR.findall(text)}
    if years and parsed.year not in years:
        return None  # dateutil took the year from its default: the text fooled it
    return parsed if _HAS_YEAR.search(text) else parsed.replace(year=1)


# List pages ----------------------------------------------------------------------------


@dataclass
class ListPage:
    articles: list[ListedArticle]
    next_urls: list[str]


def list_page_url(config: SiteConfig, page: int) -> str:
    """The URL of list page `page` (0 is the first) of a templated listing."""
    pagination = config.list.pagination
    if page == 0 and config.list.urls:
        return config.list.urls[0]
    if not pagination.template:
        raise ValueError(f"{config.path}: list.pagination has no template")
    return pagination.template.replace("{page}", str(pagination.first + page))


def parse_list_page(config: SiteConfig, html: str | bytes, url: str) -> ListPage:
    """The briefings a list page links and its links to further list pages; an empty page lists none."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    if not text.strip():
        return ListPage(articles=[], next_urls=[])
    tree = parse_html(text)
    listing = config.list
    articles: list[ListedArticle] = []
    seen: set[str] = set()
    for item in listing.item.elements(tree):
        hrefs = listing.link.hrefs(item)
        if not hrefs:
            continue
        link = urljoin(url, hrefs[0])
        if listing.article_url:
            link = listing.article_url.rewrite(link)
        if link in seen:
            continue
        seen.add(link)
        title = (listing.title.text(item) if listing.title else None) or " ".join(
            clean_text(found.text_content()) for found in listing.link.elements(item)
        )
        date = parse_date(listing.date.text(item), config.dates) if listing.date else None
        articles.append(ListedArticle(url=link, title=title or "", date=date))
    next_urls = []
    if listing.pagination.next is not None:
        for href in listing.pagination.next.hrefs(tree):
            absolute = urljoin(url, href)
            if absolute != url and absolute not in next_urls:
                next_urls.append(absolute)
    return ListPage(articles=articles, next_urls=next_urls)


# Articles ------------------------------------------------------------------------------


def native_id(config: SiteConfig, url: str) -> str:
    """The article's id: `article.id`'s group in the URL, else the last segment of its path."""
    if config.article.id is not None:
        match = config.article.id.search(url)
        if match:
            return match.group("id") if "id" in config.article.id.groupindex else match.group(1 if config.article.id.groups else 0)
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rpartition("/")[2]
    stem = last.rpartition(".")[0] or last
    return f"{stem}?{parts.query}" if parts.query else stem or parts.hostname or url


def split_turn_label(text: str, turns: TurnConfig) -> tuple[str, str] | None:
    if turns.label is None:
        return split_label(text)
    match = turns.label.match(text)
    if not match or not match.group("label"):
        return None
    return clean_text(match.group("label")), text[match.end():].strip()


def _matches(patterns: tuple[re.Pattern, ...], label: str) -> bool:
    return any(pattern.search(label) for pattern in patterns)


def _group(pattern: re.Pattern, text: str, name: str) -> str | None:
    match = pattern.search(text)
    if not match:
        return None
    value = match.group(name) if name in pattern.groupindex else match.group(1)
    return clean_text(value) if value else None


def classify_turn(paragraph: Paragraph, turns: TurnConfig) -> Turn:
    """How one paragraph reads under a config: a heading (note), a labelled question or answer, or a continuation.

    A label counts as an answer when it matches `turns.answer`; as a question when it is
    shaped like a name (an outlet, a reporter, "Question") and matches `turns.question`.
    Any other "...:" is the speaker's own phrasing and continues the turn.
    """
    text = paragraph.text
    if text.startswith(_HEADING):
        return Turn("note", text[len(_HEADING):].strip())
    labelled = split_turn_label(text, turns)
    if labelled:
        label, rest = labelled
        if _matches(turns.answer, label):
            speaker = _group(turns.speaker, label, "name") if turns.speaker else None
            return Turn("answer", rest, label, speaker)
        name_shaped = looks_like_name(label, turns.max_label_words)
        if name_shaped and _matches(turns.question, label):
            return Turn("question", rest, label, None if _matches(turns.anonymous, label) else label)
        if not rest and not name_shaped:
            return Turn("note", text)  # "The following question was raised after the press conference:"
    bold = True if turns.unlabelled == "continue" else paragraph.bold  # bold: continues a question
    return Turn(None, text, bold=bold)


def _top_level(elements: list) -> list:
    """The matches that are not inside another match, in document order."""
    chosen = set(elements)
    return [element for element in elements if not any(ancestor in chosen for ancestor in element.iterancestors())]


def _mark_headings(body, headings: Selector) -> None:
    for heading in headings.elements(body):
        heading.text = _HEADING + (heading.text or "")


def article_paragraphs(config: SiteConfig, tree, url: str) -> list[Paragraph]:
    article = config.article
    bodies = _top_level(article.body.elements(tree))
    if not bodies:
        raise LayoutError(f"{url}: {config.name}: no body: nothing matches {article.body}")
    for body in bodies:
        for selector in article.drop:
            for element in _top_level(selector.elements(body)):
                element.drop_tree()
        if config.turns.headings is not None:
            _mark_headings(body, config.turns.headings)
    paragraphs = []
    for body in bodies:
        for paragraph in paragraphs_of(body):
            text = paragraph.text
            if _HEADING in text[1:]:
                text = text[0] + text[1:].replace(_HEADING, "")
            if _matches(article.skip, text.lstrip(_HEADING)):
                continue
            paragraphs.append(Paragraph(text=text, bold=paragraph.bold))
    if not paragraphs:
        raise LayoutError(f"{url}: {config.name}: the body ({article.body}) has no text")
    return paragraphs


def article_date(
    config: SiteConfig, tree, title: str, listed_date: dt.date | None
) -> tuple[dt.date | None, str | None]:
    """The page's date (article.date), else the title's, else the list page's (said so)."""
    candidates = []
    if config.article.date is not None:
        candidates.append(config.article.date.text(tree))
    if config.dates.pattern is not None:
        candidates.append(title)
    for text in candidates:
        date = parse_date(text, config.dates)
        if date and date.year > 1:
            return date, None
    if listed_date and listed_date.year > 1:
        return listed_date, "date from the list page"
    return None, None


def parse_article(
    config: SiteConfig,
    html: str | bytes,
    url: str,
    listed_title: str | None = None,
    listed_date: dt.date | None = None,
) -> Briefing:
    """A briefing read as the config says; LayoutError when the page has no body or title."""
    tree = parse_html(html)
    article = config.article
    title = (article.title.text(tree) if article.title else None) or listed_title
    if not title:
        where = f"nothing matches {article.title}" if article.title else "no article.title in the config"
        raise LayoutError(f"{url}: {config.name}: no title: {where}, and the list gave none")
    turns = [classify_turn(paragraph, config.turns) for paragraph in article_paragraphs(config, tree, url)]
    spokesperson = _group(article.spokesperson, title, "name") if article.spokesperson else None
    if spokesperson is None:
        spokesperson = next((turn.speaker for turn in turns if turn.role == "answer" and turn.speaker), None)
    segments = assemble_segments(turns, spokesperson)
    for segment in segments:
        # The spokesperson's labelled turns before any question are opening statements.
        if segment.kind == "answer" and segment.reply_to is None:
            segment.kind = "statement"
    kind = (_group(article.kind, title, "kind") if article.kind else None) or article.default_kind
    date, inferred = article_date(config, tree, title, listed_date)
    return Briefing(
        title=title,
        spokesperson=spokesperson,
        kind=kind,
        date=date,
        date_inferred=inferred,
        segments=segments,
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
        attributes = {
            "__module__": __name__,
            "__doc__": f"The configured spider of {config.path}.",
            "name": config.name,
            "config": config,
            "source": config.source,
            "layouts": (config.layout,),
            "allowed_domains": list(config.hosts),
            "custom_settings": {"DOWNLOAD_DELAY": config.delay} if config.delay is not None else {},
        }
        return type(f"ConfiguredSpider_{config.name}", (cls,), attributes)

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
            self.config = config
            self.source = config.source
            self.layouts = (config.layout,)
            self.allowed_domains = list(config.hosts)
        self.list_urls_seen: set[str] = set()

    def start_list_urls(self) -> list[str]:
        return self.config.start_urls()

    def list_request(self, url: str, page: int) -> scrapy.Request:
        self.list_urls_seen.add(url)
        request = super().list_request(url, page)
        # A list page past the end of a listing may be missing: that ends the listing quietly.
        request.meta["handle_httpstatus_list"] = [404]
        return request

    def parse_list(self, response, page: int = 0):
        stats = self.crawler.stats
        if response.status == 404:
            stats.inc_value("communique/missing_list_pages")
            log.info("list page %s answered 404: skipped", response.url)
            return
        listing = parse_list_page(self.config, response.body, response.url)
        if not listing.articles:
            if page == 0:
                stats.inc_value("communique/empty_list_pages")
                log.warning("%s: no item matches %s on the first list page %s", self.config.path, self.config.list.item, response.url)
            return  # past the end of a paged listing
        listed = {scrapy.Request(article.url).url: article for article in listing.articles}
        for request in self.article_requests(listing.articles, self.parse_article):
            article = listed.get(request.url)
            if article is not None:  # kept in meta, so that a resumed crawl (JOBDIR) still has them
                request.meta["listed_title"] = article.title
                if article.date and article.date.year > 1:
                    request.meta["listed_date"] = article.date.isoformat()
            yield request
        if self.listing_passed_since(listing.articles):
            return
        for url in self.next_list_urls(listing, page):
            yield self.list_request(url, page + 1)

    def next_list_urls(self, listing: ListPage, page: int) -> list[str]:
        pagination = self.config.list.pagination
        if pagination.template:
            candidates = [list_page_url(self.config, page + 1)] if page + 1 < pagination.max_pages else []
        else:
            candidates = listing.next_urls
        chosen = []
        for url in candidates:
            if url in self.list_urls_seen or len(self.list_urls_seen) + len(chosen) >= pagination.max_pages:
                continue
            chosen.append(url)
        return chosen

    def parse_article(self, response):
        meta = response.request.meta if response.request is not None else {}
        listed_title, listed_date = meta.get("listed_title"), meta.get("listed_date")
        listed_date = dt.date.fromisoformat(listed_date) if listed_date else None
        article_id = native_id(self.config, response.url)
        document = self.document(
            response,
            article_id,
            lambda: parse_article(self.config, response.body, response.url, listed_title, listed_date),
            sequence=int(article_id) if article_id.isdigit() else None,
        )
        if document is None:
            return
        if document.parse_error and document.date is None and listed_date:
            document.date, document.date_inferred = listed_date, "date from the list page"
        yield document
