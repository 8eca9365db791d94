"""Bounds on every request, and links and scripts that cannot be turned against readers.

Thin hooks over `communique.safety`: each SQL connection gets its limits, templates get
the `web_link` filter, and every response the Content-Security-Policy; a table search
(`_search=`) over the query limits is answered 400 before it reaches SQLite, and
arbitrary SQL waits for its one slot (429 when it waited too long).
"""

import asyncio
import weakref

from datasette import hookimpl

from communique import safety


@hookimpl
def prepare_connection(conn, datasette):
    safety.limit_connection(conn, owner=datasette)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["web_link"] = safety.web_link


async def _refuse(send, message: str, status: int = 400, reason: str = "Bad Request", headers=()) -> None:
    body = f"{status} {reason}: {message}\n".encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()), *headers,
    ]})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    policy = safety.content_security_policy().encode("ascii")
    slots = weakref.WeakKeyDictionary()  # event loop -> its semaphore (tests run several loops)

    def wrap(app):
        async def bounded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            async def send_with_policy(event):
                if event["type"] == "http.response.start":
                    headers = [h for h in event.get("headers", []) if h[0].lower() != b"content-security-policy"]
                    headers += [(b"content-security-policy", policy), (b"x-content-type-options", b"nosniff")]
                    event = {**event, "headers": headers}
                await send(event)

            query_string = scope.get("query_string", b"")
            problem = safety.table_search_problem(query_string)
            if problem:
                return await _refuse(send_with_policy, problem)
            if not safety.asks_arbitrary_sql(query_string):
                return await app(scope, receive, send_with_policy)
            slot = slots.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(safety.ARBITRARY_SQL_AT_ONCE))
            try:
                await asyncio.wait_for(slot.acquire(), safety.ARBITRARY_SQL_WAIT_S)
            except asyncio.TimeoutError:
                return await _refuse(
                    send_with_policy, "another SQL query is running, and this server runs one at a time: try again",
                    status=429, reason="Too Many Requests", headers=[(b"retry-after", b"3")],
                )
            try:
                await app(scope, receive, send_with_policy)
            finally:
                slot.release()

        return bounded

    return wrap
