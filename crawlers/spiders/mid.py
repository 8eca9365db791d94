"""Russia MFA spokesperson's briefings, in English (mid.ru).

Layout "mid_2021" (the site relaunched in 2021, which also serves the older briefings),
as published scrapers of the site describe it (/work/shared/sites.md). No real page of
the site has been saved here: the pages in tests/files/mid are fixtures written to that
description, so expect to adjust on the first live crawl.
- list pages `https://mid.ru/en/press_service/spokesman/briefings/`, then `?PAGEN_1=2`
  ...; items are `a.announce__link` (their text holds the date and the title); the
  page count is the highest `PAGEN_1=N` of the pagination links. (The pre-2021 Liferay
  site listed `a.anons-title` links: not supported.)
- an article `.../briefings/<digits>/`: the title in `.photo-content__title`
  ("Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, August 20,
  2020") names the spokesperson; the date is `.photo-content__date`, either
  "20.08.2020" or "30 September 2020" (read day first); the title's date stands in
  when the date element is missing.
- the body `div.text.article-content` opens with a table of contents ("Contents" and
  links to `#N`, as paragraphs or a list), and each section ends with a "Back to
  contents" link: both are stripped. Sections are topics, each headed by a bold
  paragraph or an `h3`/`h4`: each becomes one statement of the spokesperson, its
  heading as label. The section headed "Answers to media questions" holds questions,
  bold paragraphs ("Question: ..." or just bold), each followed by the answer's plain
  paragraphs (sometimes opening "Maria Zakharova:"). A bold paragraph right after a
  question, without "Question:", carries the same question on.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urljoin, urlsplit

from corpus.dates import read_date as _read_date
from corpus.records import Segment, Source
from crawlers.parsing import BY_TYPE, LayoutError, Paragraph, Turn, assemble_segments, clean_text, paragraphs_of
from crawlers.parsing import list_items, parse_html, require_complete, split_label
from crawlers.spiders.base import Briefing, BriefingSpider, ListedArticle, ListPage

LIST_URL = "https://mid.ru/en/press_service/spokesman/briefings/"
LAYOUT = "mid_2021"

TITLE_SELECTOR = ".photo-content__title"
DATE_SELECTOR = ".photo-content__date"
BODY_SELECTOR = "div.text.article-content"

_ARTICLE_ID = re.compile(r"/briefings/(\d+)/?$")
_TITLE = re.compile(
    r"^(?P<kind>.+?)\s+by\s+.*?Spokes(?:wo)?(?:man|person)\s+"
    r"(?P<spokesperson>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3})"
)
_TITLE_DATE = re.compile(r",\s*(?P<date>[A-Z][a-z]+\.?\s+\d{1,2},\s*\d{4})\s*$")
_CONTENTS = re.compile(r"^(?:Contents|Содержание)\s*:?$", re.I)
_BACK = re.compile(r"^(?:Back to (?:the )?contents|К содержанию)\.?$", re.I)
_ANSWERS = re.compile(r"^(?:Answers? to (?:media |the media's |journalists' )?questions|Ответы на вопросы СМИ)\s*:?$", re.I)
_QUESTION = re.compile(r"^(?:Question|Вопрос)\s*[:：]\s*", re.I)
_ANSWER = re.compile(r"^(?:Answer|Ответ)\s*[:：]\s*", re.I)
_HEADINGS = ("h2", "h3", "h4", "h5")


def _text(element) -> str:
    return clean_text(element.text_content())


def read_date(text: str) -> dt.date | None:
    """"20.08.2020", "30 September 2020", "August 20, 2020": the site's dates, day first."""
    return _read_date(text, dayfirst=True)


def parse_list_page(html: str | bytes, url: str) -> ListPage:
    tree, links = list_items(html, url, "a.announce__link", "links: not a mid.ru list page")
    articles = []
    for link in links:
        href = urljoin(url, link.get("href") or "")
        if not _ARTICLE_ID.search(urlsplit(href).path):
            continue
        titles = link.cssselect(".announce__title")
        dates = link.cssselect(".announce__date")
        articles.append(
            ListedArticle(
                url=href,
                title=_text(titles[0]) if titles else _text(link),
                date=read_date(_text(dates[0])) if dates else None,
            )
        )
    current = max([1, *_page_numbers(url)])
    pages = [current]
    for link in tree.iter("a"):
        pages += _page_numbers(link.get("href") or "")
    count = max(pages)
    return ListPage(articles=articles, page_count=count, next_urls=[list_page_url(current)] if current < count else [])


def _page_numbers(url: str) -> list[int]:
    return [int(value) for value in parse_qs(urlsplit(url).query).get("PAGEN_1", []) if value.isdigit()]


def list_page_url(page: int) -> str:
    """Page 0 is the list itself, page N is `?PAGEN_1=N+1`, as the site's pagination links are."""
    return LIST_URL if page == 0 else f"{LIST_URL}?PAGEN_1={page + 1}"


def parse_title(title: str) -> tuple[str | None, str, dt.date | None]:
    """(spokesperson, kind, date) from "Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, August 20, 2020"."""
    match = _TITLE.search(title)
    dated = _TITLE_DATE.search(title)
    date = read_date(dated.group("date")) if dated else None
    if not match:
        return None, "Briefing", date
    return match.group("spokesperson"), match.group("kind"), date


def strip_contents(body) -> None:
    """Drop the table of contents ("Contents" + links to #N) and the "Back to contents" links."""
    for element in list(body.iter()):
        if element.getparent() is None or not isinstance(element.tag, str):
            continue
        text = _text(element)
        if element.tag in ("p", "div", "h2", "h3", "h4", "h5", "li", "ul", "ol") and (
            _CONTENTS.match(text) or _BACK.match(text)
        ):
            element.drop_tree()
            continue
        if element.tag in ("p", "li", "ul", "ol", "div") and text:
            links = element.xpath(".//a[starts-with(@href, '#')]")
            if links and clean_text(" ".join(_text(link) for link in links)) == text:
                element.drop_tree()  # a block that holds only links into the page: the contents


def _mark_headings_bold(body) -> None:
    # A section heading set as <h3> without <strong> is still a heading: paragraphs_of
    # reports boldness only, so headings are made bold in this parse's own tree.
    for heading in body.iter(*_HEADINGS):
        heading.set("style", "font-weight:bold;" + (heading.get("style") or ""))


def _checks(tree) -> tuple[str, object | None, dt.date | None, list[str]]:
    failed = []
    titles = tree.cssselect(TITLE_SELECTOR)
    title = _text(titles[0]) if titles else ""
    if not title:
        failed.append(f"no '{TITLE_SELECTOR}' title")
    bodies = tree.cssselect(BODY_SELECTOR)
    body = bodies[0] if bodies else None
    if body is None:
        failed.append(f"no '{BODY_SELECTOR}' body")
    dates = tree.cssselect(DATE_SELECTOR)
    date = read_date(_text(dates[0])) if dates else None
    if date is None:
        date = parse_title(title)[2]
    if date is None:
        failed.append(f"no '{DATE_SELECTOR}' date nor a date in the title")
    return title, body, date, failed


def parse_briefing(html: str | bytes, url: str) -> Briefing:
    tree = parse_html(html)
    title, body, date, failed = _checks(tree)
    if failed:
        raise LayoutError(f"{url}: not a mid.ru briefing page: " + "; ".join(failed))
    require_complete(body, url, LAYOUT, footer="footer.footer")
    strip_contents(body)
    _mark_headings_bold(body)
    paragraphs = paragraphs_of(body)
    if not paragraphs:
        raise LayoutError(f"{url}: the '{BODY_SELECTOR}' body has no text")
    spokesperson, kind, _ = parse_title(title)
    return Briefing(
        title=title,
        spokesperson=spokesperson,
        kind=kind,
        date=date,
        date_inferred=None,
        segments=briefing_segments(paragraphs, spokesperson),
        layout=LAYOUT,
    )


def briefing_segments(paragraphs: list[Paragraph], spokesperson: str | None) -> list[Segment]:
    """One statement per topic section, then the questions and answers after "Answers to media questions".

    A section's heading is the label of its statement; a heading with no text of its own
    (a part title over sub-headings) gives no segment.
    """
    answers_at = next((i for i, p in enumerate(paragraphs) if p.bold and _ANSWERS.match(p.text)), len(paragraphs))
    statements: list[Segment] = []
    heading: str | None = None
    for paragraph in paragraphs[:answers_at]:
        if paragraph.separator:
            continue
        if paragraph.bold:
            heading = paragraph.text
            continue
        if statements and statements[-1].label == heading:
            statements[-1].text += f"\n\n{paragraph.text}"
            statements[-1].paragraphs += 1
        else:
            statements.append(Segment(kind="statement", text=paragraph.text, label=heading, speaker=spokesperson))

    # Questions are bold, answers plain: a bold paragraph after a question carries it on.
    turns: list[Turn] = []
    spokesperson_label = spokesperson.casefold() if spokesperson else None
    for paragraph in paragraphs[answers_at + 1:]:
        text = paragraph.text
        labelled = split_label(text)
        if paragraph.separator:
            turns.append(Turn("separator", text))
        elif paragraph.bold and (match := _QUESTION.match(text)):
            turns.append(Turn("question", text[match.end():], "Question"))
        elif match := _ANSWER.match(text):
            turns.append(Turn("answer", text[match.end():], "Answer"))
        elif labelled and spokesperson_label and labelled[0].casefold() == spokesperson_label:
            turns.append(Turn("answer", labelled[1], labelled[0]))
        else:
            turns.append(Turn(None, text, bold=paragraph.bold))
    exchanges = assemble_segments(turns, spokesperson, BY_TYPE)
    for segment in exchanges:
        if segment.reply_to is not None:
            segment.reply_to += len(statements)
    return statements + exchanges


class MidSpider(BriefingSpider):
    name = "mid"
    source = Source(name="mid", ministry="Ministry of Foreign Affairs of the Russian Federation", country="RU",
                    language="en", homepage="https://mid.ru/en/")
    allowed_domains = ["mid.ru", "www.mid.ru"]
    # The site asks for at least 10 s between requests; replays override it (crawlers.settings).
    custom_settings = {"DOWNLOAD_DELAY": 10}
    layouts = (LAYOUT,)
    list_urls = (LIST_URL,)
    article_id = _ARTICLE_ID
    read_list = staticmethod(parse_list_page)
    read_briefing = staticmethod(parse_briefing)
