"""Work on a stream of chunks, the CPU-bound part in worker processes, the rest in this one.

`analyze` reads naming and judges stance (pure Python, one core per process) while the
model runs in this process (its own threads, or a GPU). `WorkerPool` holds one `work`
object per worker process, built once from picklable arguments, and runs its methods on
chunks; with no workers it runs them here, the same code. `pipelined` keeps a bounded
number of chunks in flight, so memory stays flat however long the stream.

Workers are spawned, not forked: the parent may already run the model's thread pools,
which a fork would copy in an undefined state.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator

_WORK = None  # the worker process' own work object


def _start_worker(factory, args) -> None:
    global _WORK
    _WORK = factory(*args)


def _call(method: str, args: tuple):
    return getattr(_WORK, method)(*args)


class Done:
    """A result computed in this process, read like a pool's AsyncResult."""

    def __init__(self, value):
        self.value = value

    def ready(self) -> bool:
        return True

    def get(self):
        return self.value


class WorkerPool:
    def __init__(self, factory: Callable, args: tuple, workers: int):
        self.workers = workers
        self._pool = None
        self._local = None
        if workers > 0:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(workers, initializer=_start_worker, initargs=(factory, args))
        else:
            self._local = factory(*args)

    def submit(self, method: str, *args):
        if self._pool is None:
            return Done(getattr(self._local, method)(*args))
        return self._pool.apply_async(_call, (method, args))

    def close(self, failed: bool = False) -> None:
        if self._pool is not None:
            if failed:
                self._pool.terminate()
            else:
                self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.close(failed=kind is not None)


def pipelined(chunks: Iterable, first: Callable, middle: Callable, last: Callable, window: int) -> Iterator[tuple]:
    """For each chunk, in order: `first(chunk)` (async), `middle(chunk, first's result)` here,
    then `last(chunk, first's result, middle's result)` (async); yields (chunk, first's
    result, last's result).

    Up to `window` chunks wait in each async stage, so workers read ahead while this
    process runs `middle` (the model), and chunks are yielded (stored) in order.
    """
    source = iter(chunks)
    started: deque = deque()
    finishing: deque = deque()

    def top_up() -> None:
        while len(started) < window:
            chunk = next(source, None)
            if chunk is None:
                return
            started.append((chunk, first(chunk)))

    top_up()
    while started or finishing:
        if started:
            chunk, pending = started.popleft()
            early = pending.get()
            top_up()
            finishing.append((chunk, early, last(chunk, early, middle(chunk, early))))
        while finishing and (finishing[0][2].ready() or not started or len(finishing) >= window):
            chunk, early, pending = finishing.popleft()
            yield chunk, early, pending.get()
