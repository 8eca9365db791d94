"""The comparison pages in a real browser: ministries side by side, an event, the way between them.

Each test saves a screenshot in its own output folder (pytest's tmp_path).
"""

from __future__ import annotations

import pytest

from tests.conftest import serving
from tests.test_browser import browser, page, pytestmark  # noqa: F401  (fixtures and markers)


@pytest.fixture(scope="module")
def compare_server(compared_db):
    with serving(compared_db) as base:
        yield base


def column_boxes(page) -> dict[str, dict]:
    columns = page.locator("#ministry-columns .ministry-column")
    return {columns.nth(i).get_attribute("data-ministry"): columns.nth(i).bounding_box() for i in range(columns.count())}


def test_compare_three_ministries_side_by_side(compare_server, page, tmp_path):
    page.goto(compare_server + "/-/compare")
    page.fill("#actor-input", "belarus")
    page.fill("input[name=since]", "2020-08-07")
    page.fill("input[name=until]", "2020-08-13")
    page.click("#compare-form input[type=submit]")
    page.wait_for_selector("#compare-summary")
    headers = page.locator("#compare-summary thead th.ministry").all_inner_texts()
    assert {"EU High Representative (EEAS)", "US State Department", "Russia MFA"} <= {h.split("\n")[0] for h in headers}
    boxes = column_boxes(page)
    assert {"EU", "US", "RU"} <= set(boxes)
    tops = {round(boxes[k]["y"]) for k in ("EU", "US", "RU")}
    lefts = sorted(boxes[k]["x"] for k in ("EU", "US", "RU"))
    assert len(tops) == 1 and lefts[0] < lefts[1] < lefts[2]  # one row, side by side
    official = page.locator("#ministry-EU .official a").first.get_attribute("href")
    assert official.startswith("https://europediplomatic.com/2020/08/07/")
    page.screenshot(path=str(tmp_path / "compare_belarus.png"), full_page=True)
    # from the comparison to the event it belongs to, and its turns
    page.click("#compare-events a")
    page.wait_for_selector("#event-turns")
    assert "Belarus" in page.inner_text("#event-label")
    assert page.locator("#event-turns tbody tr").count() >= 3
    page.screenshot(path=str(tmp_path / "event_belarus.png"), full_page=True)


def test_compare_guaido_marks_the_unnamed_and_the_avoided(compare_server, page, tmp_path):
    page.goto(compare_server + "/-/compare?actor=guaido&since=2019-01-20&until=2019-03-31")
    page.wait_for_selector("#compare-summary")
    china = page.locator("#ministry-CN")
    assert china.locator("li.form-oblique").count() >= 1
    assert china.locator(".quote .avoided").count() >= 5
    assert china.locator(".official a").first.get_attribute("href").startswith("https://www.fmprc.gov.cn/")
    assert len(column_boxes(page)) >= 2
    page.screenshot(path=str(tmp_path / "compare_guaido.png"), full_page=True)


def test_events_page_lists_events_with_their_ministries(compare_server, page, tmp_path):
    page.goto(compare_server + "/-/events")
    rows = page.locator("#events-table tbody tr")
    assert rows.count() >= 1
    assert "EU High Representative (EEAS)" in page.inner_text("#events-table")
    page.screenshot(path=str(tmp_path / "events.png"), full_page=True)
