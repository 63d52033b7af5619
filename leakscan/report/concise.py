"""``--format concise``: ``path:line:col: LK101 message``, one per line, for editors."""

from __future__ import annotations

from leakscan.findings import ScanResult


def render(result: ScanResult) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.rule} {f.message}" for f in result.findings]
    lines += [f"{e.path}:{e.line or 1}:1: E {e.kind} error: {e.message}" for e in result.errors]
    return "".join(line + "\n" for line in lines)
