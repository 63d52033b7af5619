"""Run a scan over files: discovery results in, a ScanResult out.

Beside the engine rather than inside it: the engine scans one file's source; this
module feeds it files (from the result cache, in this process, or through a pool of
worker processes), reports progress through a callback, and applies the filters that do
not change what a file contains (minimum confidence).  Workers receive paths and send
back plain ``FileResult`` data, never syntax trees; results are sorted by path, so the
output does not depend on scheduling.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Protocol

from leakscan.cache import ResultCache
from leakscan.discovery import Target
from leakscan.engine import EngineOptions, scan_file
from leakscan.findings import FileError, FileResult, Level, ScanResult

# Below this many files to parse, a pool costs more than it saves.
POOL_THRESHOLD = 8


@dataclass
class RunOptions:
    jobs: int = 0  # 0: one per core
    min_confidence: Level = Level.MEDIUM
    cache: ResultCache | None = None


def options_key(options: EngineOptions) -> str:
    """Everything in the engine options that changes a file's result, as a string."""
    rules = ",".join(f"{r.id}={r.__module__}.{r.__qualname__}" for r in options.rules)
    confidence = f"fixes={options.fix_min_confidence.value};shown={options.min_confidence.value}"
    return f"rules={rules};max_size={options.max_size};{confidence}"


class ProgressSink(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, done: int, total: int) -> None: ...

    def stop(self) -> None: ...


def scan_targets(
    targets: Sequence[Target],
    options: EngineOptions,
    run: RunOptions | None = None,
    *,
    problems: Sequence[tuple[str, str]] = (),
    progress: ProgressSink | None = None,
) -> ScanResult:
    run = run or RunOptions()
    started = time.perf_counter()
    result = ScanResult()
    pending: list[tuple[Target, str | None]] = []
    for target in targets:
        cached, key = _from_cache(run.cache, target)
        if cached is not None:
            result.files.append(_filter(cached, run.min_confidence))
        else:
            pending.append((target, key))
    jobs = run.jobs or os.cpu_count() or 1
    pool = _pool(options, min(jobs, len(pending))) if jobs > 1 and len(pending) >= POOL_THRESHOLD else None
    # The progress thread starts after the workers are forked, never before.
    if progress is not None:
        progress.start(len(targets))
    try:
        done = len(result.files)
        for index, file_result in _scan_all([t for t, _ in pending], options, pool):
            key = pending[index][1]
            if run.cache is not None and key is not None:
                run.cache.put(key, file_result)
            result.files.append(_filter(file_result, run.min_confidence))
            done += 1
            if progress is not None:
                progress.advance(done, len(targets))
    finally:
        if progress is not None:
            progress.stop()
        if pool is not None:
            pool.terminate()
            pool.join()
    for display, message in problems:
        result.files.append(FileResult(display, errors=(FileError(display, "read", message),)))
    result.files.sort(key=lambda r: r.path)
    result.duration_s = time.perf_counter() - started
    return result


def _from_cache(cache: ResultCache | None, target: Target) -> tuple[FileResult | None, str | None]:
    if cache is None:
        return None, None
    try:
        data = target.path.read_bytes()
    except OSError:
        return None, None  # the engine reports the read error
    key = cache.key(data, target.display)
    return cache.get(key), key


def _pool(options: EngineOptions, processes: int) -> Pool:
    """Fork is the fastest start, but forking while another thread holds a lock can leave a
    worker deadlocked; with any other thread alive, start workers from a clean server."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        method = "fork"
    elif "forkserver" in methods:
        method = "forkserver"
    else:
        method = "spawn"
    context = multiprocessing.get_context(method)
    return context.Pool(processes, initializer=_init_worker, initargs=(options,))


def _scan_all(
    targets: Sequence[Target], options: EngineOptions, pool: Pool | None
) -> Iterator[tuple[int, FileResult]]:
    """``(index, result)`` pairs as files finish, in this process or in the pool."""
    if pool is None:
        for index, target in enumerate(targets):
            yield index, scan_file(target.path, target.display, options)
        return
    # Largest files first, one file per task: the pool stays busy until the end.
    order = sorted(range(len(targets)), key=lambda i: -_size(targets[i].path))
    tasks = [(i, str(targets[i].path), targets[i].display) for i in order]
    yield from pool.imap_unordered(_work, tasks, chunksize=1)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


_WORKER_OPTIONS: EngineOptions | None = None


def _init_worker(options: EngineOptions) -> None:
    global _WORKER_OPTIONS
    _WORKER_OPTIONS = options
    # The parent handles Ctrl-C and ends the pool; a worker just stops, without a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _work(task: tuple[int, str, str]) -> tuple[int, FileResult]:
    index, path, display = task
    assert _WORKER_OPTIONS is not None
    try:
        return index, scan_file(Path(path), display, _WORKER_OPTIONS)
    except BaseException as exc:  # never let one file take the pool down
        return index, FileResult(display, errors=(FileError(display, "internal", f"worker failed: {exc!r}"),))


def _filter(result: FileResult, min_confidence: Level) -> FileResult:
    kept = tuple(f for f in result.findings if f.confidence.rank >= min_confidence.rank)
    if len(kept) == len(result.findings):
        return result
    return replace(result, findings=kept, hidden=result.hidden + len(result.findings) - len(kept))
