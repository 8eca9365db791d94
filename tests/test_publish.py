"""The corpus in Datasette, queried through Datasette's own test client."""

from __future__ import annotations

import pytest

from communique.publish import datasette_app


@pytest.fixture(scope="module")
def datasette(crawled_db):
    return datasette_app(crawled_db)


async def get_json(datasette, path: str) -> dict:
    response = await datasette.client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return response.json()


@pytest.mark.asyncio
async def test_full_text_search_over_turns_finds_the_guaido_question(datasette, crawled_db):
    db = crawled_db.stem
    data = await get_json(datasette, f"/{db}/turns.json?_search=Guaido&_shape=objects&date=2019-01-24")
    rows = data["rows"]
    # Both questions of that day name Guaido; neither answer does.
    assert [row["kind"] for row in rows] == ["question", "question"]
    assert all(row["spokesperson"] == "Hua Chunying" for row in rows)
    assert all(row["url"].endswith("/t1632218.shtml") for row in rows)
    texts = sorted(row["text"] for row in rows)
    assert "President of Venezuela's National Assembly Juan Guaido was sworn in" in texts[0]
    assert "recognizes the leader of the Venezuelan opposition Juan Guaido" in texts[1]


@pytest.mark.asyncio
async def test_turns_have_facets_on_source_kind_spokesperson_and_year(datasette, crawled_db):
    data = await get_json(datasette, f"/{crawled_db.stem}/turns.json?_search=Venezuela")
    facets = data["facet_results"]
    facets = facets.get("results", facets)
    assert {"source", "kind", "spokesperson", "year"} <= set(facets)
    years = {item["value"] for item in facets["year"]["results"]}
    assert {"2019", "2020"} <= years


@pytest.mark.asyncio
async def test_documents_page_and_metadata(datasette, crawled_db):
    response = await datasette.client.get(f"/{crawled_db.stem}/documents")
    assert response.status_code == 200
    assert "Briefings" in response.text
    home = await datasette.client.get("/")
    assert "Communique" in home.text
    assert "Apache-2.0" in home.text or "apache.org" in home.text


@pytest.mark.asyncio
async def test_raw_pages_are_hidden_and_nothing_can_be_written(datasette, crawled_db):
    tables = await get_json(datasette, f"/{crawled_db.stem}.json")
    hidden = {t["name"] for t in tables["tables"] if t["hidden"]}
    assert "pages" in hidden
    response = await datasette.client.post(
        f"/{crawled_db.stem}/documents/-/insert", json={"row": {"id": "x"}}
    )
    assert response.status_code in (403, 404, 405)
    sql = await datasette.client.get(f"/{crawled_db.stem}.json?sql=DELETE+FROM+documents")
    assert sql.status_code == 400
