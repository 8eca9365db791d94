"""China MFA spokesperson's press conferences, in English (www.fmprc.gov.cn), on TRS WCM (crawlers/trs.py).

Layout "mfa_eng" (2014 to mid-2022), as the saved pages in tests/files/fmprc show it:
- list pages `.../2511_665403/default.shtml`, `default_1.shtml` ...; items are
  `div.newsLst_mod ul li a` whose text is the full title;
- an article `.../t<digits>.shtml`: the title in `div.content_mod h2.title` carries the
  spokesperson and the date ("... Hua Chunying's Regular Press Conference on January
  24, 2019"), the body is `div.content`, the footer `div.footer`. Questions start `Q:`
  (or `Follow-up:`) and are bold, answers start `A:`; from 2020 turns are labelled by
  outlet ("CCTV:") and by the spokesperson's name. A rule of symbols ("***") ends the
  exchanges: the spokesperson's closing remarks follow.
- Titles are untidy: "June11, 2018", no year ("September 10"), or no date at all
  ("Remarks on ..."). Photo file names fill the gaps; the title wins when complete.

Layout "lxjzh" (from about July 2022), as sites.md describes it from public scrapers:
- list pages `https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/index.html`, `index_1.html` ...;
  items are links `./YYYYMM/tYYYYMMDD_N.html` (the date is in the URL);
- an article: the body lies between the TRSWCM markers, else in the first of
  LXJZH_BODY_SELECTORS; the title in `<meta name="ArticleTitle">`, `#News_Body_Title`,
  `h1` or `.title`; the date in the title, else `<meta name="PubDate">`,
  `#News_Body_Time`, `.time`, else the URL. Turns are labelled by outlet and by the
  spokesperson's name, in plain or bold type; `Q:`/`A:` pages still occur.

Both listings are walked: each era has its own, and a replay of one era answers 404
for the other's, which ends that listing. A page that matches neither layout is kept
with a LayoutError naming every layout check that failed.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin

from corpus.dates import has_year, read_date
from corpus.records import Source
from crawlers import trs
from crawlers.parsing import BY_TYPE, CONTINUE, LayoutError, Paragraph, Turn, assemble_segments, looks_like_name
from crawlers.parsing import list_items, paragraphs_of, parse_html, require_complete, split_label
from crawlers.spiders.base import Briefing, BriefingSpider, ListedArticle, ListPage

LIST_URL = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml"
LAYOUT = "mfa_eng"
LXJZH_LIST_URL = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/index.html"
LXJZH = "lxjzh"

_TITLE = re.compile(
    r"Spokesperson\s+(?P<spokesperson>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3})(?:['’]s?)?\s+"
    r"(?P<kind>.+?)(?:\s+on\s+(?P<date>[A-Z][a-z]+\.?\s*\d{1,2}(?:\s*,\s*\d{4})?))?\s*$"
)
_PREFIXES = (
    (re.compile(r"^(?:Q|Question)\s*[:：]\s*", re.I), "question", "Q"),
    (re.compile(r"^Follow[- ]?up(?: question)?\s*[:：]\s*", re.I), "question", "Follow-up"),
    (re.compile(r"^A\s*[:：]\s*"), "answer", "A"),
)
# "The following question was raised after the press conference:", "A journalist asked
# the following question after the press conference:": a note of the page's own.
_NOTE = re.compile(
    r"^(?:the\s+)?following\s+questions?\s+(?:was|were)\s+(?:raised|asked)\b"
    r"|^a\s+journalist\s+asked\s+the\s+following\s+questions?\b",
    re.I,
)
_LXJZH_ITEM = re.compile(r"(?:^|/)\d{6}/t(?P<date>\d{8})_\d+\.html$")
_URL_DATE = re.compile(r"/t(?P<date>(?:19|20)\d{6})_\d+\.html?$")
LXJZH_BODY_SELECTORS = ("#News_Body_Txt_A", ".TRS_UEDITOR", ".TRS_Editor", ".news_content", "#News_Body_Txt", ".content")
LXJZH_TITLE_SELECTORS = ('meta[name="ArticleTitle"]', "#News_Body_Title", "h1", ".title")
LXJZH_DATE_SELECTORS = ('meta[name="PubDate"]', "#News_Body_Time", ".time")
# Spokespeople of the English transcripts, 2014 on: a label with one of these names is
# an answer, or an opening statement of that spokesperson, whoever the title names.
SPOKESPEOPLE = (
    "Hong Lei", "Hua Chunying", "Lu Kang", "Geng Shuang", "Zhao Lijian", "Wang Wenbin",
    "Mao Ning", "Lin Jian", "Guo Jiakun",
)


# List pages ----------------------------------------------------------------------------


def list_page_url(page: int) -> str:
    return trs.numbered_page_url(LIST_URL, page)


def lxjzh_list_page_url(page: int) -> str:
    return trs.numbered_page_url(LXJZH_LIST_URL, page)


def is_lxjzh_list_url(url: str) -> bool:
    return "/eng/xw/fyrbt/lxjzh/" in url and not _URL_DATE.search(url)


def url_date(url: str) -> dt.date | None:
    """The date in an lxjzh article URL: .../202301/t20230110_11004538.html -> 2023-01-10."""
    return read_date(url, pattern=_URL_DATE)


def title_date(title: str) -> tuple[dt.date | None, bool]:
    """The date in a title and whether its year was stated: ("...on June11, 2018") -> (2018-06-11, True)."""
    match = _TITLE.search(title)
    date = read_date(match.group("date")) if match and match.group("date") else None
    return date, has_year(date)


def _listing(tree, url: str, articles: list[ListedArticle]) -> ListPage:
    count = trs.page_count(tree)
    return ListPage(articles=articles, page_count=count, next_urls=trs.next_page_urls(url, count))


def parse_list_page(html: str | bytes, url: str) -> ListPage:
    tree, links = list_items(html, url, "div.newsLst_mod ul li a", "links: not an mfa_eng list page")
    articles = []
    for link in links:
        href = link.get("href")
        if href and trs.ARTICLE_ID.search(href):
            title = " ".join(link.text_content().split())
            articles.append(ListedArticle(url=urljoin(url, href), title=title, date=title_date(title)[0]))
    return _listing(tree, url, articles)


def parse_lxjzh_list_page(html: str | bytes, url: str) -> ListPage:
    """Items are the links shaped `./YYYYMM/tYYYYMMDD_N.html`, wherever the page puts them."""
    tree = parse_html(html)
    articles: dict[str, ListedArticle] = {}
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        if _LXJZH_ITEM.search(href) and (absolute := urljoin(url, href)) not in articles:
            title = " ".join(link.text_content().split())
            stated, complete = title_date(title)
            articles[absolute] = ListedArticle(url=absolute, title=title, date=stated if complete else url_date(absolute))
    if not articles:
        raise LayoutError(f"{url}: no './YYYYMM/tYYYYMMDD_N.html' links: not an lxjzh list page")
    return _listing(tree, url, list(articles.values()))


def read_list(html: str | bytes, url: str) -> ListPage:
    """A list page of either era."""
    return parse_lxjzh_list_page(html, url) if is_lxjzh_list_url(url) else parse_list_page(html, url)


# Turns ---------------------------------------------------------------------------------


def parse_title(title: str) -> tuple[str | None, str]:
    """(spokesperson, kind of briefing) from a title."""
    match = _TITLE.search(title)
    if not match:
        return None, "unknown"
    kind = match.group("kind").strip()
    return match.group("spokesperson"), "Remarks" if kind.lower().startswith("remarks") else kind


def spokespeople_of(spokesperson: str | None) -> dict[str, str]:
    """Casefolded label -> the name an answer is credited to: every known spokesperson and the title's."""
    names = {name.casefold(): name for name in SPOKESPEOPLE}
    if spokesperson:
        names[spokesperson.casefold()] = spokesperson
    return names


def is_note(text: str) -> bool:
    return "?" not in text and len(text) < 200 and bool(_NOTE.search(text))


def classify(paragraph: Paragraph, spokespeople: dict[str, str], plain_labels_ask: bool = False) -> Turn:
    """How a paragraph reads: a separator, a note, a question or an answer it opens, or None.

    A "Q:"/"A:" prefix or a spokesperson's name decides. Otherwise a "Label: text"
    paragraph asks when it is bold (mfa_eng sets every journalist's turn in bold, a bold
    label alone being a note of the page); in lxjzh (`plain_labels_ask`) any label shaped
    like a name asks, and "As to your second question: ..." stays inside the answer.
    """
    text = paragraph.text
    if paragraph.separator:
        return Turn("separator", text)
    for pattern, role, label in _PREFIXES:
        if match := pattern.match(text):
            return Turn(role, text[match.end():], label)
    if is_note(text):
        return Turn("note", text)
    if labelled := split_label(text):
        label, rest = labelled
        named = looks_like_name(label)
        if label.casefold() in spokespeople:
            return Turn("answer", rest, label, spokespeople[label.casefold()])
        if not rest and (paragraph.bold if not plain_labels_ask else not named):
            return Turn("note", text)
        if (paragraph.bold and not plain_labels_ask) or (plain_labels_ask and named):
            return Turn("question", rest, label, label if named else None)
    return Turn(None, text, bold=paragraph.bold)


# Articles ------------------------------------------------------------------------------


def parse_briefing(html: str | bytes, url: str) -> Briefing:
    """A briefing of whichever known layout the page has; a LayoutError naming every failed check otherwise."""
    tree = parse_html(html)
    if heading := tree.cssselect("div.content_mod h2.title"):
        return _parse_mfa_eng(tree, " ".join(heading[0].text_content().split()), url)
    if (body := trs.marked_body(html)) is not None:
        return _parse_lxjzh(tree, body, url)
    for element in (found for selector in LXJZH_BODY_SELECTORS for found in tree.cssselect(selector)):
        if paragraphs_of(element):
            require_complete(element, url, LXJZH)
            return _parse_lxjzh(tree, element, url)
    raise LayoutError(
        f"{url}: mfa_eng: no 'div.content_mod h2.title'; "
        f"lxjzh: no TRSWCM content markers and none of {', '.join(LXJZH_BODY_SELECTORS)}: "
        "matches no known layout; not an lxjzh, not an mfa_eng article page"
    )


def _closest_year(month_day: dt.date, near: dt.date) -> dt.date:
    candidates = []
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            candidates.append(month_day.replace(year=year))
        except ValueError:  # 29 February
            continue
    return min(candidates, key=lambda candidate: abs((candidate - near).days))


def briefing_date(title: str, image_sources: list[str]) -> tuple[dt.date | None, str | None]:
    stated, complete = title_date(title)
    if complete:
        return stated, None
    uploaded = trs.photo_date(image_sources)
    if stated and uploaded:
        return _closest_year(stated, uploaded), "year from the photo file names"
    if uploaded:
        return uploaded, "date from the photo file names"
    return None, None


def _parse_mfa_eng(tree, title: str, url: str) -> Briefing:
    bodies = tree.cssselect("div.content_mod div.content")
    if not bodies:
        raise LayoutError(f"{url}: no 'div.content' body under the title")
    paragraphs = paragraphs_of(bodies[0])
    if not paragraphs:
        raise LayoutError(f"{url}: the 'div.content' body has no text")
    require_complete(bodies[0], url, LAYOUT, footer="div.footer")
    spokesperson, kind = parse_title(title)
    turns = [classify(paragraph, spokespeople_of(spokesperson)) for paragraph in paragraphs]
    date, inferred = briefing_date(title, bodies[0].xpath(".//img/@src"))
    return Briefing(title=title, spokesperson=spokesperson, kind=kind, date=date, date_inferred=inferred,
                    segments=assemble_segments(turns, spokesperson, BY_TYPE), layout=LAYOUT)


def _first_text(tree, selectors: tuple[str, ...]) -> str | None:
    for element in (found for selector in selectors for found in tree.cssselect(selector)):
        if value := " ".join(((element.get("content") if element.tag == "meta" else element.text_content()) or "").split()):
            return value
    return None


def lxjzh_date(title: str, tree, url: str) -> tuple[dt.date | None, str | None]:
    """The title's date when complete, else the page's publication date, else the URL's."""
    stated, complete = title_date(title)
    if complete:
        return stated, None
    if has_year(published := read_date(_first_text(tree, LXJZH_DATE_SELECTORS))):
        return published, None
    from_url = url_date(url)
    return (from_url, "date from the URL") if from_url else (None, None)


def _parse_lxjzh(tree, body, url: str) -> Briefing:
    title = _first_text(tree, LXJZH_TITLE_SELECTORS)
    if not title:
        raise LayoutError(f"{url}: lxjzh: no title in {', '.join(LXJZH_TITLE_SELECTORS)}")
    spokesperson, kind = parse_title(title)
    spokespeople = {**spokespeople_of(spokesperson), "spokesperson": spokesperson}
    turns = [classify(paragraph, spokespeople, plain_labels_ask=True) for paragraph in paragraphs_of(body)]
    # Pages whose every answer is labelled run an unlabelled paragraph on; Q:/A: pages
    # without any labelled answer read as mfa_eng pages are read, by type.
    unlabelled = CONTINUE if any(turn.role == "answer" for turn in turns) else BY_TYPE
    date, inferred = lxjzh_date(title, tree, url)
    return Briefing(title=title, spokesperson=spokesperson, kind=kind, date=date, date_inferred=inferred,
                    segments=assemble_segments(turns, spokesperson, unlabelled), layout=LXJZH)


class FmprcSpider(BriefingSpider):
    name = "fmprc"
    source = Source(name="fmprc", ministry="Ministry of Foreign Affairs of the People's Republic of China",
                    country="CN", language="en", homepage="https://www.fmprc.gov.cn/mfa_eng/")
    allowed_domains = ["www.fmprc.gov.cn", "fmprc.gov.cn"]
    layouts = (LAYOUT, LXJZH)
    list_urls = (LIST_URL, LXJZH_LIST_URL)
    article_id = trs.ARTICLE_ID
    read_list = staticmethod(read_list)
    read_briefing = staticmethod(parse_briefing)
    date_from_url = staticmethod(url_date)
    sequence = staticmethod(trs.sequence)

    def is_removed(self, response) -> bool:
        return trs.is_removed_page(response.url)
