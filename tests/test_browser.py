"""The corpus in a real browser: Debian's Chromium driven by Playwright against `communique serve`.

Each test saves a screenshot in its own output folder (pytest's tmp_path).
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import serving

CHROMIUM = os.environ.get("COMMUNIQUE_CHROMIUM", "/usr/bin/chromium")
GUAIDO_AVOIDED = 8  # answers of the analysed fixture whose question named Guaidó and that did not
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def server(analyzed_db):
    with serving(analyzed_db) as base:
        yield base


@pytest.fixture(scope="module")
def hostile_server(hostile_db):
    with serving(hostile_db) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_search_a_phrase_and_see_highlighted_hits(server, page, tmp_path):
    page.goto(server + "/-/search")
    page.fill("input[name=q]", "Guaido")
    page.click("input[type=submit]")
    page.wait_for_selector(".hit mark")
    marks = page.locator(".hit mark").all_inner_texts()
    assert marks and all(mark.lower() == "guaido" for mark in marks)
    assert "match" in page.inner_text("#result-count")
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)


def test_open_an_answer_page_and_see_its_naming_table(server, page, tmp_path, analyzed_db):
    # 24 January 2019: the answer on Guaido's swearing-in, reached from a search hit
    page.goto(server + "/-/search?q=%22closely+following+the+current+situation+in+Venezuela%22&kind=answer&sort=oldest")
    page.click(".hit a[href^='/-/answer/']")
    page.wait_for_selector("#naming-table")
    assert "January 24, 2019" in page.inner_text("h1")
    rows = page.locator("#naming-table tbody tr").all_inner_texts()
    assert any("avoided" in row for row in rows)
    assert page.locator("mark.ref-role").count() >= 1
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)


def test_semantic_search_shows_ranked_answers(server, page, tmp_path):
    page.goto(server + "/-/semantic")
    page.fill("input[name=q]", "we oppose external interference")
    page.click("input[type=submit]")
    # the model loads in the background from the server's start; the page reloads itself until then
    page.wait_for_selector("#semantic-results li", timeout=180000)
    scores = [float(s) for s in page.locator("#semantic-results .score").all_inner_texts()]
    assert len(scores) >= 5 and scores == sorted(scores, reverse=True)
    page.screenshot(path=str(tmp_path / "semantic.png"), full_page=True)


def csp_violations(page) -> list[str]:
    """Console messages of the page about scripts or styles its Content-Security-Policy refused."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None)
    return found


def test_open_a_chart(server, page, tmp_path):
    refused = csp_violations(page)
    response = page.goto(server + "/-/trends?actor=maduro&by=month")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("#chart svg", timeout=20000)
    assert page.locator("#chart svg path").count() > 0
    # Vega draws under the strict policy: no inline script, no eval.
    assert refused == []
    page.screenshot(path=str(tmp_path / "chart.png"), full_page=True)


def facet_values(page, column: str) -> list[tuple[str, int, str]]:
    """(label, count, href) of each facet value of a column not yet selected."""
    items = page.locator(f'.facet-info[data-column="{column}"] li:has(a:not(.cross))')
    values = []
    for i in range(items.count()):
        item = items.nth(i)
        link = item.locator("a").first
        count = int(item.inner_text().rsplit(" ", 1)[-1].replace(",", ""))
        values.append((link.inner_text(), count, link.get_attribute("href")))
    return values


def shown_rows(page) -> int:
    heading = page.inner_text(".content h3") if page.locator(".content h3").count() else "0 rows"
    return int(heading.split(" ", 1)[0].replace(",", ""))


def test_click_the_avoided_facet_for_guaido_and_see_its_rows(server, page, tmp_path, analyzed_db):
    db = analyzed_db.stem
    page.goto(f"{server}/{db}/answer_actors?actor=guaido")
    avoided = dict((label, count) for label, count, _ in facet_values(page, "avoided"))
    assert avoided["1"] == GUAIDO_AVOIDED
    page.click('.facet-info[data-column="avoided"] a:text-is("1")')
    page.wait_for_url("**avoided=1**")
    assert shown_rows(page) == GUAIDO_AVOIDED
    assert page.locator("table.rows-and-columns tbody tr").count() == GUAIDO_AVOIDED
    assert 'where actor = "guaido" and avoided = 1' in page.inner_text(".content h3")
    page.screenshot(path=str(tmp_path / "avoided.png"), full_page=True)


@pytest.mark.parametrize("column", ["in_question", "in_answer", "avoided", "stance", "year"])
def test_every_value_of_a_facet_gives_its_rows(server, page, analyzed_db, column):
    start = f"{server}/{analyzed_db.stem}/answer_actors?actor=maduro"
    page.goto(start)
    values = facet_values(page, column)
    assert values
    for label, count, _ in values:
        page.goto(start)
        page.click(f'.facet-info[data-column="{column}"] li a:text-is("{label}")')
        page.wait_for_load_state()
        assert shown_rows(page) == count, (column, label)


def test_open_a_briefing_from_an_answer_and_come_back(server, page, tmp_path):
    page.goto(server + "/-/search?q=%22closely+following+the+current+situation+in+Venezuela%22&kind=answer&sort=oldest")
    page.click(".hit a[href^='/-/answer/']")
    answer_url = page.url
    page.click("#whole-briefing")
    page.wait_for_selector("#briefing .turn")
    assert "/-/briefing/fmprc:t1632218" in page.url
    speakers = page.locator("#briefing .speaker").all_inner_texts()
    assert len(speakers) == page.locator("#briefing .turn").count() > 20
    assert {s.upper() for s in speakers} >= {"Q", "HUA CHUNYING"}
    target = page.url.split("#turn-")[1]
    assert page.locator(f"#turn-{target}").is_visible()
    page.screenshot(path=str(tmp_path / "briefing.png"), full_page=True)
    page.click(f"#turn-{target} a.answer-link")
    assert page.url == answer_url


def test_search_guaido_sorted_by_date(server, page, tmp_path):
    page.goto(server + "/-/search")
    page.fill("input[name=q]", "Guaido")
    page.select_option("select[name=sort]", "oldest")
    page.click("input[type=submit]")
    page.wait_for_selector(".hit .date")
    dates = page.locator(".hit .date").all_inner_texts()
    assert len(dates) >= 2 and dates == sorted(dates)
    assert page.input_value("select[name=sort]") == "oldest"
    page.select_option("select[name=sort]", "newest")
    page.click("input[type=submit]")
    page.wait_for_selector(".hit .date")
    newest = page.locator(".hit .date").all_inner_texts()
    assert newest == sorted(newest, reverse=True) and newest[0] >= dates[-1]
    page.screenshot(path=str(tmp_path / "search_by_date.png"), full_page=True)


def test_trends_for_guaido_keep_guaido_selected(server, page, tmp_path):
    page.goto(server + "/-/trends?actor=guaido")
    assert page.input_value("#actor-choice") == "guaido"
    page.select_option("select[name=by]", "quarter")
    page.click("input[type=submit]")
    page.wait_for_selector("#chart svg", timeout=20000)
    assert page.input_value("#actor-choice") == "guaido" and "by=quarter" in page.url
    assert "2019-Q1" in page.inner_text("#chart")
    assert "--db " in page.inner_text("pre.command")
    page.screenshot(path=str(tmp_path / "trends_guaido.png"), full_page=True)


def test_find_guaido_on_the_actors_page(server, page, tmp_path):
    page.goto(server + "/-/actors")
    page.fill("input[name=q]", "Guaido")
    page.click("input[type=submit]")
    page.wait_for_selector("#actor-guaido")
    assert "Juan Guaidó" in page.inner_text("#actor-guaido")
    page.click("#actor-guaido a:text-is('trends')")
    assert page.input_value("#actor-choice") == "guaido"


def test_answers_by_actor_reads_as_a_table_not_a_wall_of_text(server, page, analyzed_db):
    page.goto(f"{server}/{analyzed_db.stem}/answer_actors")
    rows = page.locator("table.rows-and-columns tbody tr").count()
    assert rows == 50
    cut = page.locator("td.col-answer a:text-is('read it all →')")
    assert cut.count() > 10
    # before long turns were cut, 100 rows made a page 93,513 px tall
    assert page.evaluate("document.body.scrollHeight") < rows * 400
    cut.first.click()
    page.wait_for_selector("#turn")


def test_a_javascript_link_is_plain_text_and_nothing_runs(hostile_server, page, tmp_path, hostile_db):
    import sqlite3

    from tests.conftest import FOUNDING_BRIEFING

    answer_id = sqlite3.connect(hostile_db).execute(
        "SELECT id FROM segments WHERE document_id = ? AND kind = 'answer' ORDER BY position", [FOUNDING_BRIEFING]
    ).fetchone()[0]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    refused = csp_violations(page)
    for path in (f"/-/answer/{answer_id}",
                 "/-/search?q=%22closely+following+the+current+situation+in+Venezuela%22&kind=answer",
                 "/-/semantic?q=the+situation+in+Venezuela+and+the+sovereignty+of+its+government",
                 f"/-/briefing/{FOUNDING_BRIEFING}"):
        response = page.goto(hostile_server + path)
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        if path.startswith("/-/semantic"):  # it reloads itself until the model is loaded
            page.wait_for_selector("#semantic-results li", timeout=180000)
        assert page.locator("a[href^='javascript' i]").count() == 0, path
        page.locator(".not-a-link", has_text="official transcript").first.click()
        page.wait_for_timeout(200)
        assert dialogs == [] and page.url == hostile_server + path, path
    assert refused == []
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    # The policy is in force in the browser: a script that markup slipped into the page does not run.
    injected = """() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
        return window.injected === true;
    }"""
    assert page.evaluate(injected) is False
    page.wait_for_timeout(200)
    assert len(refused) == 1 and "script-src" in refused[0]
