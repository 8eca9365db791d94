"""Communique's own pages in Datasette: answer pages, highlighted search, semantic search, trends.

Thin hooks: each view fetches from the corpus through `communique.pages` (plain
functions, tested on their own) and renders a template of datasette/templates.
"""

import asyncio
import json

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from communique import pages

_indexes = {}
_embedders = {}


def _database(datasette):
    return next(db for name, db in datasette.databases.items() if name != "_internal")


@hookimpl
def register_routes():
    return [
        (r"^/-/answer/(?P<segment_id>[0-9a-f]{16})$", answer_view),
        (r"^/-/search$", search_view),
        (r"^/-/semantic$", semantic_view),
        (r"^/-/trends$", trends_view),
    ]


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path("/-/search"), "label": "Search the turns"},
        {"href": datasette.urls.path("/-/semantic"), "label": "Answers like…"},
        {"href": datasette.urls.path("/-/trends"), "label": "Naming and stance trends"},
    ]


@hookimpl
def render_cell(value, column, table):
    if column in ("segment_id", "answer_id", "reply_to", "question_id") and isinstance(value, str) and len(value) == 16:
        return Markup(f'<a href="/-/answer/{escape(value)}">{escape(value)}</a>')
    return None


async def answer_view(datasette, request):
    db = _database(datasette)
    segment_id = request.url_vars["segment_id"]
    context = await db.execute_fn(lambda conn: pages.answer_context(conn, segment_id))
    if context is None:
        raise NotFound(f"No turn {segment_id} in this corpus")
    context["database"] = db.name
    return Response.html(await datasette.render_template("answer.html", context, request=request))


async def search_view(datasette, request):
    db = _database(datasette)
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind") or None
    page = max(1, int(request.args.get("page", "1") or 1))
    total, hits = 0, []
    if q:
        total, hits = await db.execute_fn(lambda conn: pages.search_hits(conn, q, 20, 20 * (page - 1), kind))
    context = {"q": q, "kind": kind, "total": total, "hits": hits, "page": page, "database": db.name}
    return Response.html(await datasette.render_template("search.html", context, request=request))


async def semantic_view(datasette, request):
    from analysis.embeddings import Embedder, EmbeddingSettings
    from communique.semantic import SemanticIndex, corpus_model

    db = _database(datasette)
    q = request.args.get("q", "").strip()
    results, model = [], None
    if q:
        model = await db.execute_fn(corpus_model)
        if model:
            index = _indexes.setdefault((db.path, model), SemanticIndex(db.path, model))
            await db.execute_fn(index.refresh)
            embedder = _embedders.setdefault(model, Embedder(EmbeddingSettings(model=model)))
            vector = await asyncio.get_running_loop().run_in_executor(None, lambda: embedder.encode([q])[0])
            hits = index.search(vector, 20)
            details = await db.execute_fn(lambda conn: pages.rows(
                conn,
                f"""SELECT s.id, s.text, d.date, d.spokesperson, d.url, d.title, src.ministry
                    FROM segments s JOIN documents d ON d.id = s.document_id JOIN sources src ON src.name = d.source
                    WHERE s.id IN ({','.join('?' * len(hits))})""",
                [h.segment_id for h in hits]))
            by_id = {row["id"]: row for row in details}
            results = [{**by_id[h.segment_id], "score": h.score} for h in hits if h.segment_id in by_id]
    context = {"q": q, "results": results, "model": model, "database": db.name}
    return Response.html(await datasette.render_template("semantic.html", context, request=request))


async def trends_view(datasette, request):
    db = _database(datasette)
    actor = request.args.get("actor", "maduro")
    by = request.args.get("by", "month")
    if by not in ("week", "month", "quarter"):
        by = "month"
    rows, actors = await db.execute_fn(lambda conn: pages.trend_data(conn, actor, by))
    spec = pages.trend_chart_spec(rows, actor, by)
    context = {
        "actor_id": actor, "by": by, "actors": actors, "rows": rows, "database": db.name,
        "spec_json": Markup(json.dumps(spec).replace("</", "<\\/")),
    }
    return Response.html(await datasette.render_template("trends.html", context, request=request))
