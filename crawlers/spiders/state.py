"""US State Department press briefings, in English (www.state.gov and its archive hosts).

Layout "state_wp" (the WordPress site, 2019 onwards; the 2017-2021 archive host keeps
the same template), as published scrapers of the site describe it (/work/shared/sites.md).
No real page of the site has been saved here: the pages in tests/files/state are
fixtures written to that description, so expect to adjust on the first live crawl.
- list pages `https://www.state.gov/department-press-briefings/`, then `.../page/2/` ...;
  items are `li.collection-result` with the link `a.collection-result__link` (its text
  is the title) and the date in `div.collection-result-meta span:last-child`
  ("March 1, 2021"). The page count is the highest page of the pagination (`/page/N/`);
  the spider builds `{index}page/N/` itself. List items may link to the archive host
  (`https://2017-2021.state.gov/<slug>/index.html`).
- an article `.../department-press-briefing-<month>-<d>-<yyyy>/`: the title in
  `h1.featured-content__headline` ("Department Press Briefing – March 1, 2021"), the
  date in `.article-meta__publish-date`, the speaker in `.article-meta__author-bureau`
  ("Ned Price, Department Spokesperson"). The body is `div.entry-content` (older pages:
  `div.classic-block-wrapper`); the `div.wp-block-summary-article-index` it holds (the
  topics of the day, as links) is dropped.
- the body opens with a header block (speaker, title, "Department Press Briefing",
  place, date, time: separate paragraphs or lines cut by `<br>`; archive pages put the
  summary index and a bare "TRANSCRIPT:" before the time), then paragraphs that
  start with an upper-case speaker label: `MR PRICE:`, `MS ORTAGUS:`, `MR PALLADINO:`,
  another official (`MR ABRAMS:`), and `QUESTION:` for journalists. Unlabelled
  paragraphs continue the turn before them, questions included (questions are not
  bold here). What officials say before the first QUESTION are opening statements, one
  segment per paragraph. A paragraph wholly in parentheses ("(The briefing was
  concluded at 3:02 p.m.)") is a note of the page's own.
- Labels give surnames only: "MR ABRAMS" is matched to the full name printed on the
  page ("Special Representative for Venezuela Elliott Abrams"), else title-cased.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from corpus.dates import read_date
from corpus.records import Segment, Source
from crawlers.parsing import CONTINUE, LayoutError, Paragraph, Turn, assemble_segments, clean_text, looks_like_name
from crawlers.parsing import list_items, paragraphs_of, parse_html, require_complete, split_label
from crawlers.spiders.base import Briefing, BriefingSpider, ListedArticle, ListPage

LIST_URL = "https://www.state.gov/department-press-briefings/"
LAYOUT = "state_wp"

BODY_SELECTORS = ("div.entry-content", "div.classic-block-wrapper")
DATE_SELECTOR = ".article-meta__publish-date"
SUMMARY_INDEX = "div.wp-block-summary-article-index"

_PAGE_NUMBER = re.compile(r"/page/(\d+)/?$")
_SLUG = re.compile(r"/([a-z0-9][a-z0-9-]*)/(?:index\.html?)?$")
_TITLE_WORDS = {
    "mr", "mrs", "ms", "dr", "secretary", "representative", "special", "ambassador", "envoy",
    "spokesperson", "deputy", "assistant", "under", "president", "minister", "general", "department",
}
_NOTE = re.compile(r"^\([^()]*\)\.?$")
_DASH_DATE = re.compile(r"\s+[–—-]\s+.*$")


def _text(element) -> str:
    return clean_text(element.text_content())


def parse_list_page(html: str | bytes, url: str) -> ListPage:
    tree, items = list_items(html, url, "li.collection-result", "items: not a state.gov list page")
    articles = []
    for item in items:
        links = item.cssselect("a.collection-result__link")
        if not links or not links[0].get("href"):
            continue
        dates = item.cssselect("div.collection-result-meta span:last-child")
        articles.append(
            ListedArticle(
                url=urljoin(url, links[0].get("href")),
                title=_text(links[0]),
                date=read_date(_text(dates[0])) if dates else None,
            )
        )
    current = _PAGE_NUMBER.search(urlsplit(url).path)
    current = int(current.group(1)) if current else 1
    pages = [current]
    for number in tree.cssselect(".page-numbers, .pagination a"):
        match = _PAGE_NUMBER.search(urlsplit(number.get("href") or "").path)
        if match:
            pages.append(int(match.group(1)))
        elif _text(number).isdigit():  # the current page, a <span>
            pages.append(int(_text(number)))
    count = max(pages)
    return ListPage(articles=articles, page_count=count, next_urls=[list_page_url(current)] if current < count else [])


def list_page_url(page: int) -> str:
    """Page 0 is the index, page N is `page/N+1/`, as the site's pagination links are."""
    return LIST_URL if page == 0 else f"{LIST_URL}page/{page + 1}/"


def _label(text: str) -> tuple[str, str] | None:
    """("MR PRICE", rest) for an upper-case speaker label, else None."""
    labelled = split_label(text)
    if not labelled:
        return None
    label, rest = labelled
    bare = label.replace(".", "")
    if not (any(ch.isalpha() for ch in bare) and bare == bare.upper() and len(bare.split()) <= 5):
        return None
    return (label, rest) if looks_like_name(bare) else None


def _is_question(label: str) -> bool:
    return label.replace(".", "").split()[0] == "QUESTION"


def speaker_name(label: str, known_text: str) -> str:
    """The full name for "MR ABRAMS": "Elliott Abrams" as printed on the page, else "Mr Abrams"."""
    words = label.replace(".", "").split()
    surname = words[-1]
    for match in re.finditer(rf"\b([A-Z][\w'’-]+)\s+(?:[A-Z]\.\s+)?({re.escape(surname)})\b", known_text, re.I):
        given = match.group(1)
        if given[0].isupper() and given.lower() not in _TITLE_WORDS and match.group(2)[0].isupper():
            return f"{given} {match.group(2)}"
    return " ".join(word.capitalize() for word in words)


def _checks(tree) -> tuple[object | None, dt.date | None, list[str]]:
    failed = []
    body = next((found[0] for selector in BODY_SELECTORS if (found := tree.cssselect(selector))), None)
    if body is None:
        failed.append("no " + " or ".join(f"'{selector}'" for selector in BODY_SELECTORS) + " body")
    dates = tree.cssselect(DATE_SELECTOR)
    date = read_date(_text(dates[0])) if dates else None
    if not dates:
        failed.append(f"no '{DATE_SELECTOR}' date")
    elif date is None:
        failed.append(f"'{DATE_SELECTOR}' {_text(dates[0])!r} is not a date")
    return body, date, failed


def _title(tree) -> str:
    for selector in ("h1.featured-content__headline", "h1"):
        found = tree.cssselect(selector)
        if found and _text(found[0]):
            return _text(found[0])
    titles = tree.xpath("//title")
    return _text(titles[0]).split(" - United States Department of State")[0] if titles else ""


@dataclass
class Page:
    """What a briefing page holds before its turns are read: the header block and the transcript."""

    title: str
    bureau: str
    date: dt.date
    header: list[Paragraph]
    transcript: list[Paragraph]


def read_page(html: str | bytes, url: str) -> Page:
    tree = parse_html(html)
    body, date, failed = _checks(tree)
    paragraphs: list[Paragraph] = []
    first_turn = None
    if body is not None:
        for index in body.cssselect(SUMMARY_INDEX):
            index.drop_tree()
        paragraphs = paragraphs_of(body)
        # The first turn is the first labelled paragraph with words after its label: a
        # bare "TRANSCRIPT:" between the header block and the time belongs to the header.
        first_turn = next((i for i, p in enumerate(paragraphs) if (lab := _label(p.text)) and lab[1]), None)
        if first_turn is None:
            failed.append("no upper-case speaker label ('MR PRICE:', 'QUESTION:') in the body")
    if failed:
        raise LayoutError(f"{url}: not a state.gov briefing page: " + "; ".join(failed))
    require_complete(body, url, LAYOUT, footer="footer.site-footer")
    bureau = tree.cssselect(".article-meta__author-bureau")
    return Page(
        title=_title(tree),
        bureau=_text(bureau[0]) if bureau else "",
        date=date,
        header=paragraphs[:first_turn],
        transcript=paragraphs[first_turn:],
    )


def parse_briefing(html: str | bytes, url: str) -> Briefing:
    page = read_page(html, url)
    known_text = "\n".join([page.bureau, *(p.text for p in page.header), *(p.text for p in page.transcript)])
    spokesperson = page.bureau.split(",")[0].strip() or None
    if not spokesperson or not looks_like_name(spokesperson):
        first = _label(page.transcript[0].text)
        spokesperson = speaker_name(first[0], known_text) if first and not _is_question(first[0]) else None
    kind = _DASH_DATE.sub("", page.title) if page.title else "Department Press Briefing"
    return Briefing(
        title=page.title,
        spokesperson=spokesperson,
        kind=kind,
        date=page.date,
        date_inferred=None,
        segments=transcript_segments(page.transcript, spokesperson, known_text),
        layout=LAYOUT,
    )


def transcript_segments(paragraphs: list[Paragraph], spokesperson: str | None, known_text: str) -> list[Segment]:
    """Opening statements (one per paragraph) up to the first QUESTION, then questions and answers.

    Every turn is labelled here, so an unlabelled paragraph continues the turn before it,
    a question too; an official's words before the first question are statements.
    """
    names: dict[str, str] = {}
    turns = []
    for paragraph in paragraphs:
        labelled = _label(paragraph.text)
        if _NOTE.match(paragraph.text):
            turns.append(Turn("note", paragraph.text))
        elif labelled and _is_question(labelled[0]):
            turns.append(Turn("question", labelled[1], labelled[0]))
        elif labelled:
            if labelled[0] not in names:
                names[labelled[0]] = speaker_name(labelled[0], known_text)
            turns.append(Turn("answer", labelled[1], labelled[0], names[labelled[0]]))
        else:
            turns.append(Turn(None, paragraph.text))
    return assemble_segments(turns, spokesperson, CONTINUE)


class StateSpider(BriefingSpider):
    name = "state"
    source = Source(name="state", ministry="United States Department of State", country="US", language="en",
                    homepage="https://www.state.gov/")
    allowed_domains = ["www.state.gov", "2017-2021.state.gov", "2021-2025.state.gov"]
    layouts = (LAYOUT,)
    list_urls = (LIST_URL,)
    article_id = _SLUG
    read_list = staticmethod(parse_list_page)
    read_briefing = staticmethod(parse_briefing)
