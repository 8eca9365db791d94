"""The bilingual pages in a real browser: Chinese search, and the answer page with the Chinese original beside the English."""

from __future__ import annotations

import pytest

from tests.conftest import serving
from tests.test_browser import browser, page, pytestmark  # noqa: F401 (fixtures and markers)


@pytest.fixture(scope="module")
def bilingual_server(bilingual_db):
    with serving(bilingual_db) as base:
        yield base


def test_search_in_chinese_then_read_the_answer_in_both_languages(bilingual_server, page, tmp_path):  # noqa: F811
    page.goto(bilingual_server + "/-/search")
    page.fill("input[name=q]", "呼吁各方保持理性")
    page.select_option("select[name=kind]", "answer")
    page.click("input[type=submit]")
    page.wait_for_selector(".hit mark")
    assert set(page.locator(".hit mark").all_inner_texts()) == {"呼吁各方保持理性"}
    assert "Chinese (中文)" in page.inner_text("#language-facets")
    page.screenshot(path=str(tmp_path / "search_zh.png"), full_page=True)
    page.click(".hit a[href^='/-/answer/']")
    page.wait_for_selector("#bilingual")
    english, chinese = page.locator("#side-en"), page.locator("#side-zh")
    assert "the Venezuelan government" in english.locator("mark.ref-role").all_inner_texts()
    assert "委内瑞拉政府" in chinese.locator("mark.ref-role").all_inner_texts()
    assert "各方" in chinese.locator("mark.ref-oblique").all_inner_texts()
    # side by side: the two columns share a row on a wide screen
    en_box, zh_box = english.bounding_box(), chinese.bounding_box()
    assert en_box["x"] < zh_box["x"] and abs(en_box["y"] - zh_box["y"]) < 5
    page.screenshot(path=str(tmp_path / "answer_bilingual.png"), full_page=True)
    # the English turn's own page leads back to the Chinese original
    page.click("#side-en a.twin-link")
    page.wait_for_selector("#bilingual")
    assert "The Chinese original" in page.inner_text("#bilingual-heading")
