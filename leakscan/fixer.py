"""Apply patches to files: ``--diff`` shows them, ``--fix`` writes them, and nothing is lost.

One fix at a time: apply it, re-parse, re-analyse, take the next, so every patch sees
the file as the previous one left it.  A file is written only when the result parses,
through a temporary file in the same folder and a rename (the mode is kept, and so are
the encoding and newline style, which libcst preserves), and only if its bytes on disk
are still the ones that were analysed.  A symlink is followed only to a file inside the
paths being scanned.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from leakscan.engine import EngineOptions, analyse
from leakscan.findings import Level
from leakscan.fixes.edits import apply_edits, unified_diff

_MAX_ROUNDS = 100


@dataclass
class FilePatch:
    path: Path
    display: str
    original: bytes
    patched: bytes
    fixed: list[str] = field(default_factory=list)  # fingerprints fixed

    @property
    def changed(self) -> bool:
        return self.patched != self.original

    def diff(self) -> str:
        return unified_diff(self.display, _text(self.original), _text(self.patched))


def _text(data: bytes) -> str:
    from leakscan.engine import decode

    return decode(data)[0]


def plan(
    path: Path,
    display: str,
    options: EngineOptions,
    wanted: set[str],
    *,
    unsafe: bool,
    min_confidence: Level = Level.MEDIUM,
) -> FilePatch | None:
    """Patch the findings with fingerprints in ``wanted``; None when the file cannot be read."""
    try:
        original = path.read_bytes()
    except OSError:
        return None
    data = original
    remaining = set(wanted)
    fixed: list[str] = []
    for _ in range(_MAX_ROUNDS):
        analysis = analyse(data, display, options)
        module = analysis.module
        if module is None:
            break
        chosen = None
        for finding in analysis.result.findings:
            fix = finding.fix
            if finding.fingerprint not in remaining or fix is None:
                continue
            if fix.applicability != "safe" and not unsafe:
                continue
            if finding.confidence.rank < min_confidence.rank:
                continue
            chosen = finding
            break
        if chosen is None:
            break
        remaining.discard(chosen.fingerprint)
        report = analysis.reports.get(chosen.fingerprint)
        if report is None or report.proposal is None:
            continue
        try:
            patched = apply_edits(module, report.proposal.edits)
            reparsed = cst.parse_module(patched.bytes)  # never keep a patch that does not parse
        except Exception:
            continue
        data = reparsed.bytes
        fixed.append(chosen.fingerprint)
    return FilePatch(path, display, original, data, fixed)


class WriteRefused(Exception):
    """The file changed on disk, or lies outside the scanned paths."""


def write(patch: FilePatch, roots: Iterable[Path]) -> None:
    """Replace the file atomically with the patched bytes."""
    target = Path(os.path.realpath(patch.path))
    allowed = [Path(os.path.realpath(root)) for root in roots]
    if not any(target == root or root in target.parents for root in allowed):
        raise WriteRefused(f"{patch.display}: the link points outside the scanned paths; not written")
    try:
        current = target.read_bytes()
    except OSError as exc:
        raise WriteRefused(f"{patch.display}: cannot re-read before writing: {exc.strerror or exc}") from exc
    if current != patch.original:
        raise WriteRefused(f"{patch.display}: changed on disk since it was read; not overwritten")
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".leakscan")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(patch.patched)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
