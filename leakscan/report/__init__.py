"""Renderers: plain data in, text out.  They never analyse."""

from __future__ import annotations

from collections import Counter
from typing import Any

from leakscan.findings import ScanResult

FAMILIES = ("containers", "loops", "resources")


def summary(result: ScanResult) -> dict[str, Any]:
    findings = result.findings
    return {
        "files_scanned": result.files_scanned,
        "lines_scanned": result.lines_scanned,
        "duration_s": round(result.duration_s, 3),
        "findings": len(findings),
        "by_rule": dict(sorted(Counter(f.rule for f in findings).items())),
        "by_severity": dict(sorted(Counter(f.severity.value for f in findings).items())),
        "baselined": result.baselined,
        "suppressed": result.suppressed,
        "below_min_confidence": result.hidden,
        "errors": len(result.errors),
    }


def census(result: ScanResult) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for family in FAMILIES:
        entries = [c for c in result.census if c.family == family]
        safe = Counter(c.verdict for c in entries if not c.flagged)
        table[family] = {
            "inspected": len(entries),
            "flagged": sum(1 for c in entries if c.flagged),
            "safe": dict(sorted(safe.items())),
        }
    return table
