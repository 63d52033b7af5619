"""Run a scan over files: discovery results in, a ScanResult out.

Beside the engine rather than inside it: the engine scans one file's source; this
module feeds it files, reports progress through a callback, and applies the
filters that do not change what a file contains (minimum confidence).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from leakscan.discovery import Target
from leakscan.engine import EngineOptions, scan_file
from leakscan.findings import FileError, FileResult, Level, ScanResult

Progress = Callable[[int, int], None]


def scan_targets(
    targets: Sequence[Target],
    options: EngineOptions,
    *,
    min_confidence: Level = Level.MEDIUM,
    problems: Sequence[tuple[str, str]] = (),
    progress: Progress | None = None,
) -> ScanResult:
    started = time.perf_counter()
    result = ScanResult()
    total = len(targets)
    for done, target in enumerate(targets, 1):
        file_result = scan_file(target.path, target.display, options)
        result.files.append(_filter(file_result, min_confidence))
        if progress is not None:
            progress(done, total)
    for display, message in problems:
        result.files.append(FileResult(display, errors=(FileError(display, "read", message),)))
    result.files.sort(key=lambda r: r.path)
    result.duration_s = time.perf_counter() - started
    return result


def _filter(result: FileResult, min_confidence: Level) -> FileResult:
    kept = tuple(f for f in result.findings if f.confidence.rank >= min_confidence.rank)
    if len(kept) == len(result.findings):
        return result
    return replace(result, findings=kept, hidden=len(result.findings) - len(kept))
