"""What keeps a published corpus safe to put on a public host: bounded work, web links only, a strict CSP.

Plain functions and limits; `datasette/plugins/communique_safety.py` applies them to every
connection and response, and the page views call them on their own parameters.

* **Every SQL connection is bounded** (`limit_connection`): no value over MAX_VALUE_BYTES
  (SQLite's own length limit, so `randomblob(1e9)` and `zeroblob(1e9)` fail at once
  instead of allocating gigabytes), `printf`/`format` widths and precisions of at most
  MAX_PRINTF_WIDTH (beyond, NULL, as SQLite answers a result over the length limit:
  `printf('%.*c', 2147483647, 'x')` otherwise loops for a minute in one step), no more
  than MAX_RESULT_COLUMNS columns, and no result over MAX_RESULT_BYTES in all: rows
  are counted as they are fetched, and the query stops there. Datasette's time limit
  interrupts a statement between steps; these bound what one step can do.
* **The pages' own queries get Datasette's time limit** (`time_limited`), and stop at
  once when the server shuts down (`interrupt_queries`).
* **Arbitrary SQL runs one query at a time** (`asks_arbitrary_sql`): a request with `sql=`
  or `_where=` waits at most ARBITRARY_SQL_WAIT_S for the one slot, else 429. Each such
  query may take the whole time limit: several at once would take every core from readers.
* **Search input is capped** (`check_query`): MAX_QUERY_CHARS characters and
  MAX_QUERY_WORDS words, answered with a 400 that says so.
* **Links go to the web only** (`web_link`): an http(s) URL becomes a link, anything
  else (`javascript:...`) stays text.
* **A Content-Security-Policy** (`content_security_policy`) lets scripts run only from
  this server's own files (Datasette's and the vendored Vega) and Datasette's few fixed
  inline scripts, named by hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import sqlite3
import threading
import time
import weakref
from pathlib import Path

from markupsafe import Markup

from corpus.limits import is_web_url

MAX_VALUE_BYTES = 1_000_000
MAX_RESULT_COLUMNS = 100
MAX_RESULT_BYTES = 20_000_000
MAX_PRINTF_WIDTH = 10_000
MAX_QUERY_CHARS = 1_000
MAX_QUERY_WORDS = 50
MAX_SEARCH_PAGE = 500
ARBITRARY_SQL_AT_ONCE = 1
ARBITRARY_SQL_WAIT_S = 1.0

_WORD = re.compile(r"[\w'-]+")


class BadQuery(ValueError):
    """A search query or page parameter over the limits, or malformed."""


class ResultTooLarge(sqlite3.DataError):
    """A query's rows add up to more than MAX_RESULT_BYTES."""


# Search input ---------------------------------------------------------------------------


def check_query(text: str, name: str = "q") -> str:
    """The query stripped, or BadQuery saying which limit it passes."""
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"{name} is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    words = len(_WORD.findall(text))
    if words > MAX_QUERY_WORDS:
        raise BadQuery(f"{name} has {words:,} words; the limit is {MAX_QUERY_WORDS}")
    return text.strip()


def page_number(value: str | None, last: int = MAX_SEARCH_PAGE) -> int:
    """A 1-based page number from a request, or BadQuery."""
    text = (value or "").strip()
    if not text:
        return 1
    # isdecimal, not isdigit: int() reads every decimal digit, not "²"; and a short one, not 5,000 digits.
    if not (text.isdecimal() and len(text) <= len(str(last)) and 1 <= int(text) <= last):
        raise BadQuery(f"page must be a whole number from 1 to {last}, not {value[:40]!r}")
    return int(text)


# Links ----------------------------------------------------------------------------------


def web_link(url: object, text: str) -> Markup:
    """`<a href=URL>text</a>` for an http(s) URL; for any other URL only the text, marked as not a link."""
    if is_web_url(url):
        return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(url, text)
    return Markup('<span class="not-a-link" title="no web address">{}</span>').format(text)


# Content-Security-Policy ----------------------------------------------------------------


def _script_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def datasette_inline_scripts() -> list[str]:
    """The inline scripts Datasette's own templates put in pages, as served (they are fixed text)."""
    import datasette

    templates = Path(datasette.__file__).parent / "templates"
    scripts = []
    for name in ("_close_open_menus.html", "_codemirror_foot.html", "table.html"):
        path = templates / name
        if not path.is_file():
            continue
        for body in re.findall(r"<script>(.*?)</script>", path.read_text(encoding="utf-8"), flags=re.S):
            if "{{ datasette_allow_facet }}" in body:
                scripts += [body.replace("{{ datasette_allow_facet }}", value) for value in ("true", "false")]
            elif "{{" not in body and "{%" not in body:
                scripts.append(body)
    return scripts


@functools.cache
def content_security_policy() -> str:
    hashes = " ".join(_script_hash(script) for script in datasette_inline_scripts())
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {hashes}".strip(),
        # Vega draws with style attributes, Datasette's pages carry a few: styles cannot run code.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# SQL ------------------------------------------------------------------------------------

# One conversion of SQLite's printf: flags, width, precision, length, type.
_PRINTF_SPEC = re.compile(r"%([-+ 0#!,]*)(\*|\d+)?(?:\.(\*|\d*))?(?:ll|l)?(.)", re.S)
_plain_printf = threading.local()


def printf_too_wide(fmt: object, args: tuple) -> bool:
    """Whether a printf format asks for a width or precision over MAX_PRINTF_WIDTH (`*` reads it from args)."""
    if isinstance(fmt, bytes):
        fmt = fmt.decode("utf-8", "replace")
    elif not isinstance(fmt, str):
        return False
    remaining = list(args)

    def take() -> object:
        return remaining.pop(0) if remaining else 0

    for match in _PRINTF_SPEC.finditer(fmt):
        _, width, precision, kind = match.groups()
        if kind == "%":
            continue
        for value in (width, precision):
            if value == "*":
                value = take()
            try:
                number = abs(int(value)) if value not in (None, "") else 0
            except (TypeError, ValueError):
                number = 0
            if number > MAX_PRINTF_WIDTH:
                return True
        take()
    return False


def bounded_printf(fmt, *args):
    """SQLite's printf, or NULL when a width or precision is over MAX_PRINTF_WIDTH."""
    if fmt is None or printf_too_wide(fmt, args):
        return None
    conn = getattr(_plain_printf, "conn", None)
    if conn is None:  # the built-in printf, on a private connection of this thread
        conn = _plain_printf.conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    return conn.execute(f"SELECT printf({', '.join('?' * (len(args) + 1))})", (fmt, *args)).fetchone()[0]


# The connections of each server (a Datasette instance), to interrupt when it shuts down.
_connections: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_connections_lock = threading.Lock()


def _value_size(value: object) -> int:
    return len(value) if isinstance(value, (str, bytes)) else 8


def limit_connection(conn: sqlite3.Connection, owner: object = None, max_result_bytes: int = MAX_RESULT_BYTES) -> None:
    """Bound what any query on `conn` can allocate; keep `conn` to interrupt when `owner` shuts down.

    Rows are still sqlite3.Row objects (Datasette's row factory); each query's rows are
    counted by its cursor, and past `max_result_bytes` fetching stops with ResultTooLarge.
    """
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_RESULT_COLUMNS)
    for name in ("printf", "format"):
        conn.create_function(name, -1, bounded_printf, deterministic=True)
    spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def counted_row(cursor: sqlite3.Cursor, values: tuple) -> sqlite3.Row:
        total = spent.get(cursor, 0) + sum(map(_value_size, values))
        spent[cursor] = total
        if total > max_result_bytes:
            raise ResultTooLarge(
                f"the result is over {max_result_bytes:,} bytes: ask for fewer rows or columns "
                f"(e.g. a LIMIT, or _size=)"
            )
        return sqlite3.Row(cursor, values)

    conn.row_factory = counted_row
    if owner is not None:
        with _connections_lock:
            _connections.setdefault(owner, []).append(conn)


def interrupt_queries(owner: object) -> int:
    """Interrupt every running query on the connections of `owner` (at shutdown); how many connections."""
    with _connections_lock:
        connections = list(_connections.get(owner, []))
    for conn in connections:
        try:
            conn.interrupt()
        except sqlite3.ProgrammingError:  # closed meanwhile
            pass
    return len(connections)


def time_limited(fn, ms: int):
    """`fn(conn)` run under Datasette's time limit: past `ms` its query stops with QueryInterrupted."""
    from datasette.database import QueryInterrupted
    from datasette.utils import sqlite_timelimit

    def run(conn: sqlite3.Connection):
        started = time.perf_counter()
        with sqlite_timelimit(conn, ms):
            try:
                return fn(conn)
            except sqlite3.OperationalError as error:
                # Interrupted inside a virtual table's constructor, SQLite says "vtable
                # constructor failed" instead: past the limit, any such error is the limit.
                if error.args == ("interrupted",) or time.perf_counter() - started >= ms / 1000:
                    raise QueryInterrupted(error, getattr(fn, "__name__", "query"), None) from error
                raise

    return run


def table_search_problem(query_string: bytes) -> str | None:
    """Why a request's `_search` parameters (Datasette's table search) are over the limits, if they are."""
    from urllib.parse import parse_qsl

    if b"_search" not in query_string:
        return None
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key == "_search" or key.startswith("_search_"):
            try:
                check_query(value, key)
            except BadQuery as error:
                return str(error)
    return None


def asks_arbitrary_sql(query_string: bytes) -> bool:
    """Whether a request carries SQL of the visitor's own (`sql=`, a table's `_where=`)."""
    from urllib.parse import parse_qsl

    if b"sql=" not in query_string and b"_where=" not in query_string:
        return False
    return any(key in ("sql", "_where") for key, _ in parse_qsl(query_string.decode("latin-1")))
