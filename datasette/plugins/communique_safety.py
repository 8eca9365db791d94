"""Bounds on every request, and links and scripts that cannot be turned against readers.

Thin hooks over `communique.safety`: each SQL connection gets its limits, templates get
the `web_link` filter, and every response the Content-Security-Policy; a table search
(`_search=`) over the query limits is answered 400 before it reaches SQLite.
"""

from datasette import hookimpl

from communique import safety


@hookimpl
def prepare_connection(conn, datasette):
    safety.limit_connection(conn, owner=datasette)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["web_link"] = safety.web_link


async def _refuse(send, message: str) -> None:
    body = f"400 Bad Request: {message}\n".encode("utf-8")
    await send({"type": "http.response.start", "status": 400, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    policy = safety.content_security_policy().encode("ascii")

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

            problem = safety.table_search_problem(scope.get("query_string", b""))
            if problem:
                return await _refuse(send_with_policy, problem)
            await app(scope, receive, send_with_policy)

        return bounded

    return wrap
