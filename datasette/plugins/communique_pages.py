"""Communique's own pages in Datasette: turn and briefing pages, search, semantic search, actors, trends.

Thin hooks: each view fetches from the corpus through `communique.pages` (plain
functions, tested on their own) and renders a template of datasette/templates. Their
queries run under Datasette's own time limit, and their parameters are checked against
the limits of `communique.safety` (a 400 says which).
"""

import asyncio
import json
from urllib.parse import quote, unquote

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import tilde_decode
from datasette.utils.asgi import BadRequest, NotFound, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from communique import pages, safety
from communique.semantic import semantic_service
from corpus import queries

ID_COLUMNS = ("segment_id", "answer_id", "reply_to", "question_id")
LONG_TEXT_COLUMNS = ("answer", "text", "question")
FORM_COLUMNS = ("answer_forms", "question_forms", "forms")
TRUNCATE_AT = 280


def _database(datasette):
    return next(db for name, db in datasette.databases.items() if name != "_internal")


async def _bounded(datasette, db, fn):
    """`fn(conn)` in Datasette's SQL thread, under Datasette's time limit; past it, a 400 that says so."""
    ms = datasette.setting("sql_time_limit_ms")
    try:
        return await db.execute_fn(safety.time_limited(fn, ms))
    except QueryInterrupted:
        raise DatasetteError(
            f"This took longer than the time limit of {ms:,} ms and was stopped: try rarer or fewer words.",
            title="Query too long", status=400,
        ) from None


def _checked(check, *args):
    try:
        return check(*args)
    except safety.BadQuery as error:
        raise BadRequest(str(error)) from None


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["distinct_forms"] = pages.distinct_forms
    # A document id in a path: its colon kept (a %3A would send Datasette's 404 handler to a
    # tilde-encoded redirect), anything that would end the path segment quoted.
    env.filters["path_segment"] = lambda value: quote(str(value), safe=":@!$&'()*+,;=")


@hookimpl
def startup(datasette):
    semantic_service(_database(datasette).path)


@hookimpl
def register_routes():
    return [
        (r"^/-/answer/(?P<segment_id>[0-9a-f]{16})$", answer_view),
        (r"^/-/briefing/(?P<document_id>[^/]+)$", briefing_view),
        (r"^/-/search$", search_view),
        (r"^/-/semantic$", semantic_view),
        (r"^/-/actors$", actors_view),
        (r"^/-/trends$", trends_view),
        (r"^/-/compare$", compare_view),
        (r"^/-/events$", events_view),
        (r"^/-/event/(?P<event_id>[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{6,64})$", event_view),
    ]


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path("/-/search"), "label": "Search the turns"},
        {"href": datasette.urls.path("/-/semantic"), "label": "Answers like…"},
        {"href": datasette.urls.path("/-/actors"), "label": "Actors"},
        {"href": datasette.urls.path("/-/trends"), "label": "Naming and stance trends"},
        {"href": datasette.urls.path("/-/events"), "label": "Events: ministries compared"},
    ]


def _row_value(row, key):
    try:
        return row[key]
    except (IndexError, KeyError):
        return None


def long_text_cell(value: str, turn_id) -> Markup:
    """The first words of a long turn, and a link to read it whole on its page."""
    cut = value[:TRUNCATE_AT].rsplit(" ", 1)[0]
    link = f' <a href="/-/answer/{escape(turn_id)}">read it all →</a>' if turn_id else ""
    return Markup(f'<span class="long-text" title="{len(value):,} characters">{escape(cut)}…</span>{link}')


@hookimpl
def render_cell(row, value, column, table):
    if column in ID_COLUMNS and isinstance(value, str) and len(value) == 16:
        return Markup(f'<a href="/-/answer/{escape(value)}">{escape(value)}</a>')
    if isinstance(value, str) and (column == "document_id" or (table == "documents" and column == "id")):
        path = quote(value, safe=":@!$&'()*+,;=")
        return Markup(f'<a href="/-/briefing/{escape(path)}" title="read the whole briefing">{escape(value)}</a>')
    if column in FORM_COLUMNS and isinstance(value, str) and value.startswith("["):
        forms = pages.distinct_forms(value)
        return Markup('<ul class="forms">' + "".join(f"<li>{escape(f)}</li>" for f in forms) + "</ul>")
    if column in LONG_TEXT_COLUMNS and isinstance(value, str) and len(value) > TRUNCATE_AT:
        turn_id = None
        if column == "question":
            turn_id = _row_value(row, "question_id")
        else:
            turn_id = _row_value(row, "answer_id") or _row_value(row, "segment_id")
            if turn_id is None and table == "segments":
                turn_id = _row_value(row, "id")
        return long_text_cell(value, turn_id)
    return None


async def answer_view(datasette, request):
    db = _database(datasette)
    segment_id = request.url_vars["segment_id"]
    context = await _bounded(datasette, db, lambda conn: pages.answer_context(conn, segment_id))
    if context is None:
        raise NotFound(f"No turn {segment_id} in this corpus")
    context["database"] = db.name
    return Response.html(await datasette.render_template("answer.html", context, request=request))


async def briefing_view(datasette, request):
    db = _database(datasette)
    raw = request.url_vars["document_id"]
    context = None
    for document_id in dict.fromkeys((unquote(raw), tilde_decode(raw))):
        context = await _bounded(datasette, db, lambda conn: pages.briefing_context(conn, document_id))
        if context is not None:
            break
    if context is None:
        raise NotFound(f"No briefing {unquote(raw)} in this corpus")
    context["database"] = db.name
    return Response.html(await datasette.render_template("briefing.html", context, request=request))


async def search_view(datasette, request):
    db = _database(datasette)
    q = _checked(safety.check_query, request.args.get("q", ""))
    chosen = {key: request.args.get(key) or None for key in ("kind", "source", "year", "language")}
    order = request.args.get("sort") or "relevance"
    page = _checked(safety.page_number, request.args.get("page"))
    total, hits = 0, []
    if q:
        total, hits = await _bounded(
            datasette, db, lambda conn: pages.search_hits(conn, q, 20, 20 * (page - 1), order=order, **chosen))
    choices = await _bounded(datasette, db, pages.search_choices)
    facets = await _bounded(datasette, db, lambda conn: pages.search_facets(conn, q)) if q else {}
    context = {"q": q, **chosen, "sort": order, "total": total, "hits": hits, "page": page, "database": db.name,
               "language_facets": facets, **choices}
    return Response.html(await datasette.render_template("search.html", context, request=request))


async def semantic_view(datasette, request):
    db = _database(datasette)
    q = _checked(safety.check_query, request.args.get("q", ""))
    service = semantic_service(db.path)
    status = service.status()
    results = []
    if q and status["ready"] and service.index is not None:
        await db.execute_fn(service.index.refresh)
        vector = await asyncio.get_running_loop().run_in_executor(None, service.query_vector, q)
        hits = service.index.search(vector, 20)
        details = await _bounded(datasette, db, lambda conn: queries.turns_with_provenance(
            conn, [h.segment_id for h in hits]))
        results = [{**details[h.segment_id], "score": h.score} for h in hits if h.segment_id in details]
    context = {"q": q, "results": results, "status": status, "model": status["model"], "database": db.name}
    return Response.html(await datasette.render_template("semantic.html", context, request=request))


async def actors_view(datasette, request):
    db = _database(datasette)
    q = _checked(safety.check_query, request.args.get("q", ""))
    context = await _bounded(datasette, db, lambda conn: pages.actors_context(conn, q))
    context.update({"q": q, "database": db.name})
    return Response.html(await datasette.render_template("actors.html", context, request=request))


async def trends_view(datasette, request):
    db = _database(datasette)
    actor = request.args.get("actor", "").strip() or None
    by = request.args.get("by", "month")
    if by not in ("week", "month", "quarter"):
        by = "month"
    data = await _bounded(datasette, db, lambda conn: pages.trend_data(conn, actor, by))
    spec = pages.trend_chart_spec(data["rows"], data["actor"], by)
    # "actor" is Datasette's own template variable (the signed-in actor): the chosen one is actor_id.
    context = {
        **{k: v for k, v in data.items() if k != "actor"}, "actor_id": data["actor"], "by": by, "database": db.name,
        "commands": pages.export_commands(db.path, data["actor"], by) if data["rows"] else [],
        # Read by static/trends.js: no "<" inside, so the JSON cannot end its <script> element.
        "spec_json": Markup(json.dumps(spec).replace("<", "\\u003c")),
    }
    return Response.html(await datasette.render_template("trends.html", context, request=request))



async def _render(datasette, request, template: str, build, missing: str = ""):
    """The page a template makes of `build(conn)`'s context; a 404 saying `missing` when it gives None."""
    db = _database(datasette)
    context = await _bounded(datasette, db, lambda conn: build(conn, db.path))
    if context is None:
        raise NotFound(missing)
    context["database"] = db.name
    return Response.html(await datasette.render_template(template, context, request=request))


def _args(request, *keys: str) -> list[str]:
    """The parameters, stripped and within the search input's limits (else a 400 that says which)."""
    return [_checked(safety.check_query, request.args.get(key, ""), key) for key in keys]


async def compare_view(datasette, request):
    actor, since, until = _args(request, "actor", "since", "until")
    return await _render(datasette, request, "compare.html",
                         lambda conn, path: pages.compare_context(conn, actor, since, until, path))


async def event_view(datasette, request):
    event_id, (actor,) = request.url_vars["event_id"], _args(request, "actor")
    return await _render(datasette, request, "event.html",
                         lambda conn, path: pages.event_context(conn, event_id, actor or None, path),
                         f"No event {event_id} in this corpus")


async def events_view(datasette, request):
    actor, since, until = _args(request, "actor", "since", "until")
    return await _render(datasette, request, "events.html",
                         lambda conn, path: pages.events_context(conn, actor, since, until))
