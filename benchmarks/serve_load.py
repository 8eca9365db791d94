"""Load on `communique serve`: N concurrent clients mixing normal and hostile requests.

    python benchmarks/serve_load.py [--db demo/communique.db] [--clients 32] [--seconds 60]
                                    [--hostile 0.25] [--public] [--baseline]

Starts `communique serve` on the corpus (the demo corpus of `make demo` by default) and
runs N clients, each sending one request after another for the given time. A share of
the requests (--hostile) is hostile: a 100 KB search query, a 60-word query, a
`_search` of 2,000 words, page 99999999999999999999, and arbitrary SQL that allocates
(`randomblob(1e9)`, a million-byte blob per row of segments, `printf('%.*c', 2147483647,
'x')`) or runs until the time limit (a recursive count). The others are what readers
do: answer pages, full-text and semantic searches, table pages with facets, canned
queries and trend pages. Prints the latency of the normal requests (p50, p99), the
error rate (normal requests that did not answer 200, and any 5xx), the statuses of
the hostile ones, and the server's peak resident memory.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent

SEARCH_WORDS = ["Venezuela", "Guaido", "sanctions", "Hong Kong", "sovereignty", "interference", "trade", "Taiwan",
                '"internal affairs"', "Xinjiang", "cooperation", "the", "pandemic", "United States", "Iran"]
SEMANTIC_QUERIES = ["we oppose external interference", "China supports dialogue and consultation",
                    "we are not aware of the situation", "the US should stop politicizing the issue",
                    "we hope all parties exercise restraint"]
ACTORS = ["maduro", "guaido", "united_states", "venezuela", "iran", "taiwan"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def normal_paths(db: Path, rng: random.Random) -> list:
    name = db.stem
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    answers = [row[0] for row in conn.execute("SELECT id FROM segments WHERE kind = 'answer' ORDER BY rowid LIMIT 3000")]
    actors = [row[0] for row in conn.execute("SELECT DISTINCT actor_id FROM avoidance LIMIT 50")] or ACTORS
    conn.close()
    return [
        (4, lambda: f"/-/answer/{rng.choice(answers)}"),
        (4, lambda: f"/-/search?q={quote_plus(rng.choice(SEARCH_WORDS))}&page={rng.randint(1, 3)}"),
        (2, lambda: f"/-/semantic?q={quote_plus(rng.choice(SEMANTIC_QUERIES))}"),
        (2, lambda: f"/{name}/turns?_search={quote_plus(rng.choice(SEARCH_WORDS))}"),
        (2, lambda: f"/{name}/answer_actors?actor={rng.choice(actors)}"),
        (1, lambda: f"/{name}/documents?_sort_desc=date&_facet=spokesperson"),
        (1, lambda: f"/{name}/avoided.json?actor={rng.choice(actors)}&_shape=array"),
        (1, lambda: f"/-/trends?actor={rng.choice(actors)}&by=month"),
    ]


def hostile_paths(db: Path) -> list:
    name = db.stem
    sql = lambda text: f"/{name}.json?sql={quote_plus(text)}"  # noqa: E731
    return [
        "/-/search?q=" + "word+" * 20_000,  # 100 KB
        "/-/semantic?q=" + "+".join(["interference"] * 60),
        f"/{name}/turns?_search=" + "+".join(["a"] * 2_000),
        "/-/search?q=china&page=99999999999999999999",
        sql("select randomblob(1000000000)"),
        sql("select randomblob(1000000) from segments"),
        sql("select printf('%.*c', 2147483647, 'x')"),
        sql("with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"),
    ]


def pick(weighted: list, rng: random.Random):
    total = sum(weight for weight, _ in weighted)
    point = rng.uniform(0, total)
    for weight, make in weighted:
        point -= weight
        if point <= 0:
            return make()
    return weighted[-1][1]()


class Client(threading.Thread):
    def __init__(self, number, port, stop_at, normal, hostile, hostile_share, results):
        super().__init__(daemon=True)
        self.rng = random.Random(number)
        self.port, self.stop_at = port, stop_at
        self.normal, self.hostile, self.hostile_share = normal, hostile, hostile_share
        self.results = results

    def run(self):
        connection = None
        while time.monotonic() < self.stop_at:
            hostile = self.rng.random() < self.hostile_share
            path = self.rng.choice(self.hostile) if hostile else pick(self.normal, self.rng)
            started = time.perf_counter()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as error:
                status = f"failed: {type(error).__name__}"
                if connection is not None:
                    connection.close()
                connection = None
            self.results.append((hostile, path, status, time.perf_counter() - started))


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def kind_of(path: str) -> str:
    """A request's kind for the breakdown: the page, or the table or SQL it asks for."""
    page, _, query = path.partition("?")
    if page.startswith("/-/"):
        return "/".join(page.split("/")[:3])
    if "sql=" in query:
        return "sql: " + query.split("sql=", 1)[1][:24]
    return page.rsplit("/", 1)[-1].split(".")[0] + ("?_search" if "_search=" in query else "")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_load(args, hostile_share: float) -> dict:
    """Serve the corpus, warm it up, run the clients; the results and the server's memory."""
    port = free_port()
    command = [sys.executable, "-m", "communique", "--db", str(args.db), "serve", "--port", str(port)]
    server = subprocess.Popen(command + (["--public"] if args.public else []), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("communique serve did not start")
                time.sleep(0.3)
        rng = random.Random(0)
        normal, hostile = normal_paths(args.db, rng), hostile_paths(args.db)
        # Warm up: every page once, and wait until the semantic model and vectors are loaded
        # (serve loads them in the background; until then /-/semantic says so).
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for _, make in normal:
            warm.request("GET", make())
            warm.getresponse().read()
        while True:
            warm.request("GET", "/-/semantic?q=warm")
            if b'id="semantic-loading"' not in warm.getresponse().read():
                break
            time.sleep(1)
        warm.close()
        rss_start = memory_kb(server.pid, "VmRSS")

        results: list = []
        stop_at = time.monotonic() + args.seconds
        clients = [Client(i, port, stop_at, normal, hostile, hostile_share, results) for i in range(args.clients)]
        rss_samples = []
        for client in clients:
            client.start()
        while any(client.is_alive() for client in clients):
            rss_samples.append(memory_kb(server.pid, "VmRSS"))
            time.sleep(0.5)
        peak_kb = memory_kb(server.pid, "VmHWM")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"results": results, "rss_start": rss_start, "rss_samples": rss_samples, "peak_kb": peak_kb}


def normal_latencies(results: list) -> list[float]:
    return [seconds for hostile, _, status, seconds in results if not hostile and status == 200]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=ROOT / "demo" / "communique.db")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--hostile", type=float, default=0.25, help="share of hostile requests (default 0.25)")
    parser.add_argument("--public", action="store_true", help="serve with --public (no arbitrary SQL)")
    parser.add_argument("--baseline", action="store_true",
                        help="first run the same clients without hostile requests, and print the ratios")
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"no corpus at {args.db}: run `make demo` first, or name one with --db")

    baseline = run_load(args, 0.0) if args.baseline else None
    run = run_load(args, args.hostile)
    results = run["results"]
    normal_results = [r for r in results if not r[0]]
    hostile_results = [r for r in results if r[0]]
    latencies = normal_latencies(results)
    normal_errors = sum(1 for r in normal_results if r[2] != 200)
    server_errors = sum(1 for r in results if isinstance(r[2], int) and r[2] >= 500)
    failed = sum(1 for r in results if not isinstance(r[2], int))
    hostile_statuses = Counter(str(r[2]) for r in hostile_results)
    hostile_slowest = max((r[3] for r in hostile_results), default=float("nan"))
    mode = "--public" if args.public else "default (arbitrary SQL bounded)"
    print(f"communique serve {mode}: {args.clients} clients for {args.seconds:g} s on {args.db} "
          f"({os.cpu_count()} CPUs), {args.hostile:.0%} of requests hostile")
    print(f"requests: {len(results)} ({len(results) / args.seconds:.1f}/s): {len(normal_results)} normal, "
          f"{len(hostile_results)} hostile")
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(f"normal latency: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    if baseline:
        quiet = normal_latencies(baseline["results"])
        quiet_p50, quiet_p99 = statistics.median(quiet), percentile(quiet, 0.99)
        print(f"without hostile requests: {len(baseline['results']) / args.seconds:.1f} requests/s, p50 "
              f"{quiet_p50 * 1000:.0f} ms, p99 {quiet_p99 * 1000:.0f} ms, peak RSS {baseline['peak_kb'] / 1024:.0f} MB "
              f"(ratio p50={p50 / quiet_p50:.2f}, p99={p99 / quiet_p99:.2f})")
    print(f"error rate: {normal_errors / max(1, len(normal_results)):.2%} of normal requests not 200; "
          f"{server_errors} 5xx, {failed} failed connections in all")
    print(f"hostile statuses: {dict(sorted(hostile_statuses.items()))}; slowest hostile answer {hostile_slowest:.2f} s")
    by_kind: dict[str, list] = {}
    for hostile_flag, path, status, seconds in results:
        by_kind.setdefault(("hostile " if hostile_flag else "") + kind_of(path), []).append((status, seconds))
    for kind, answers in sorted(by_kind.items()):
        seconds = [s for _, s in answers]
        statuses = Counter(str(status) for status, _ in answers)
        print(f"  {kind:<40} {len(answers):>5}  p50 {statistics.median(seconds) * 1000:>6.0f} ms  "
              f"p99 {percentile(seconds, 0.99) * 1000:>6.0f} ms  {dict(sorted(statuses.items()))}")
    print(f"server memory: peak RSS {run['peak_kb'] / 1024:.0f} MB (after warm-up {run['rss_start'] / 1024:.0f} MB, "
          f"highest sampled {max(run['rss_samples'], default=0) / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
