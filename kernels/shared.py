"""Shared-state kernels: the lesson's "CPU-bound, parallel, shared state" row, in two forms.

Standard library only; plain top-level functions so they pickle into processes and subinterpreters.

shared_read(sources): every task reads ONE large structure, a directed graph of GRAPH_NODES nodes with
GRAPH_DEGREE out-edges each (a list of tuples, about 60 MB of Python objects), built once per process:
a breadth-first search of HOPS hops from each of `sources` start nodes, returning the number of nodes
reached and the sum of their distances. The parent combines the tasks' values (the checksum of them in
task order) and checks it against the sequential baseline like every kernel.

shared_write(updates): every task makes `updates` increments to ONE histogram (a dict of counters)
under ONE lock, so the lock's contention shows; it returns the checksum of its own partial histogram,
the same for every task, so the answer is checkable whoever ran it.

How the structure reaches the workers, executor by executor:
- sequential, threads, asyncio, asyncio_threads: one process, one copy, shared for nothing. The graph is
  built lazily behind a lock on first use (or at once by `graph_payload()`); every thread reads it.
  On a free-threaded build a read still writes: each access changes the read object's reference count,
  and when the reading thread is not the one that made the object, that change is atomic. The
  sequential baseline runs on the thread that built the graph, the pool's threads do not, so threads
  pay that cost on every read (and more when both read the same objects at once, as here, since
  every task searches from the same start nodes) before they gain anything from running in parallel.
- processes, asyncio_processes under fork: a child inherits the parent's graph, copy-on-write, when the
  parent built it before the pool started (`graph_payload()` does). Reading it writes reference counts
  into the shared pages, so the kernel copies them one by one: a child's unique memory (USS) starts
  near zero and grows toward a whole copy of the graph as its tasks touch it, while its RSS, which
  counts the shared pages in every worker, stays flat. USS/PSS tell what each worker really costs.
- processes, asyncio_processes under spawn or forkserver, and interpreters (3.14
  InterpreterPoolExecutor): each worker has its own empty module. The pool initializer
  `install_graph(payload)` gets the pickled graph (`graph_payload()`, pickled once in the parent,
  copied to each worker with the initializer's arguments) and unpickles it; without the initializer
  the first task builds it, and that task's time includes the build.
- shared_write's histogram is per process and per interpreter: threads all update the one dict in
  their process and contend for its lock; each pool process or subinterpreter updates its own copy,
  never contends, and never sees the others' counts. A process pool cannot share it without
  multiprocessing.Manager (a round trip per update) or shared_memory with a multiprocessing.Lock;
  this kernel does neither, so a process figure for shared_write measures independent copies, the
  map-and-combine a process pool has to do instead, not a shared write.

What the benchmark should show beside the speedup: `setup_report()`, submitted once to every pool
worker after start-up (and called in the parent for the in-process executors), says how that worker got
the graph ("built", "loaded" from the pickle, "inherited" through fork, or "none" yet) and how many
seconds it took; `payload_report()` in the parent gives the build and pickle times and the payload's
size. The pool's start-up time (Session.start) already includes the initializer's unpickling, since
start-up waits for every worker to answer; the per-worker seconds say how much of it was the transfer.
Memory per worker should be USS or PSS, not RSS, for the fork reason above.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
import zlib
from typing import Any

try:
    import concurrent.interpreters as _interpreters  # 3.14+: tells subinterpreters apart
except ImportError:
    _interpreters = None

GRAPH_NODES = 200_000
GRAPH_DEGREE = 6
HOPS = 4
_SOURCE_STRIDE = 7_919  # a prime: the start nodes spread over the whole graph
HISTOGRAM_BUCKETS = 64
_PRIVATE_STEPS = 4  # generator steps of private work before each locked update

_build_lock = threading.Lock()  # guards the lazy build, so racing threads build the graph once
_graph: list[tuple[int, ...]] | None = None
_payload: bytes | None = None
# How this process (or interpreter) came to hold the graph; `pid` says which process did it, so a fork
# child, which inherits this record with the graph, can tell it inherited them.
_setup: dict[str, Any] = {"how": "none", "seconds": 0.0, "pid": None}
_payload_times: dict[str, Any] = {"build_s": None, "pickle_s": None, "payload_bytes": None}

_histogram_lock = threading.Lock()
_histogram: dict[int, int] = {}  # the ONE shared structure shared_write updates, per process


def _interpreter_id() -> int:
    return 0 if _interpreters is None else _interpreters.get_current().id


def build_graph(nodes: int = GRAPH_NODES, degree: int = GRAPH_DEGREE) -> list[tuple[int, ...]]:
    """The graph as adjacency lists: node i's out-neighbours are graph[i]. A fixed linear congruential
    sequence makes it the same in every process and interpreter without importing random."""
    state = 1
    graph = []
    for _ in range(nodes):
        neighbours = []
        for _ in range(degree):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            neighbours.append(state % nodes)
        graph.append(tuple(neighbours))
    return graph


def graph() -> list[tuple[int, ...]]:
    """This process's graph, built on first use, once, however many threads ask at the same time."""
    global _graph
    if _graph is None:
        with _build_lock:
            if _graph is None:
                started = time.perf_counter()
                built = build_graph()
                seconds = time.perf_counter() - started
                _setup.update(how="built", seconds=seconds, pid=os.getpid())
                _payload_times["build_s"] = seconds
                _graph = built
    return _graph


def graph_payload() -> tuple[bytes]:
    """Run once in the parent before the pools start: builds the graph here (so fork children inherit
    it) and pickles it once; the initargs of `install_graph`."""
    global _payload
    with _build_lock:
        cached = _payload
    if cached is None:
        structure = graph()
        started = time.perf_counter()
        cached = pickle.dumps(structure, protocol=pickle.HIGHEST_PROTOCOL)
        with _build_lock:
            if _payload is None:
                _payload = cached
                _payload_times.update(pickle_s=time.perf_counter() - started, payload_bytes=len(cached))
            cached = _payload
    return (cached,)


def install_graph(payload: bytes) -> None:
    """Pool initializer: give this worker the graph. A fork child already holds the parent's copy
    (kept, copy-on-write); any other worker unpickles the payload, and the time it took is recorded."""
    global _graph
    with _build_lock:
        if _graph is not None:
            if _setup["pid"] != os.getpid():
                _setup.update(how="inherited", seconds=0.0, pid=os.getpid())
            return
        started = time.perf_counter()
        loaded = pickle.loads(payload)
        _setup.update(how="loaded", seconds=time.perf_counter() - started, pid=os.getpid())
        _graph = loaded


def setup_report() -> dict[str, Any]:
    """How the worker that runs this call got the graph: pid, interpreter, how, seconds."""
    with _build_lock:
        how, seconds = _setup["how"], _setup["seconds"]
        if _graph is not None and _setup["pid"] != os.getpid():
            how, seconds = "inherited", 0.0  # a fork child asked before any initializer ran
    return {"pid": os.getpid(), "interpreter": _interpreter_id(), "how": how, "seconds": seconds}


def payload_report() -> dict[str, Any]:
    """In the parent: the graph's build seconds, the pickle's seconds and the payload's size in bytes."""
    with _build_lock:
        return dict(_payload_times)


def shared_read(sources: int) -> int:
    """Breadth-first search of HOPS hops in the shared graph from each of `sources` start nodes:
    the nodes reached (above bit 32) and the sum of their distances (the low 32 bits)."""
    return search(graph(), sources)


def search(adjacency: list[tuple[int, ...]], sources: int) -> int:
    """shared_read's work on any graph: HOPS-hop breadth-first searches from `sources` start nodes."""
    nodes = len(adjacency)
    reached = 0
    distances = 0
    for index in range(sources):
        source = index * _SOURCE_STRIDE % nodes
        seen = {source}
        frontier = [source]
        for depth in range(1, HOPS + 1):
            next_frontier = []
            for node in frontier:
                for neighbour in adjacency[node]:
                    if neighbour not in seen:
                        seen.add(neighbour)
                        next_frontier.append(neighbour)
            reached += len(next_frontier)
            distances += depth * len(next_frontier)
            frontier = next_frontier
    return reached << 32 | (distances & 0xFFFFFFFF)


def shared_write(updates: int) -> int:
    """`updates` increments of the shared histogram, each under its one lock, after a few steps of
    private work that pick the bucket; the CRC-32 of this task's own partial histogram."""
    counts = [0] * HISTOGRAM_BUCKETS
    state = 12345
    histogram, lock = _histogram, _histogram_lock
    for _ in range(updates):
        for _ in range(_PRIVATE_STEPS):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        bucket = (state >> 16) % HISTOGRAM_BUCKETS
        counts[bucket] += 1
        with lock:
            histogram[bucket] = histogram.get(bucket, 0) + 1
    return zlib.crc32(repr(counts).encode())


def histogram_snapshot() -> dict[int, int]:
    """A copy of this process's (or interpreter's) shared histogram."""
    with _histogram_lock:
        return dict(_histogram)


def reset_histogram() -> None:
    """Empty this process's shared histogram (tests; a benchmark never needs it)."""
    with _histogram_lock:
        _histogram.clear()


def _fresh_locks_in_child() -> None:
    # A fork taken while another thread held a lock would leave it held forever in the child.
    global _build_lock, _histogram_lock
    _build_lock = threading.Lock()
    _histogram_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_locks_in_child)
