"""``--format json``: version 1 of the public JSON contract (extend, never break)."""

from __future__ import annotations

import json
from typing import Any

from leakscan import __version__
from leakscan.findings import Finding, ScanResult
from leakscan.report import census, summary


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity.value,
        "confidence": f.confidence.value,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "symbol": f.symbol,
        "message": f.message,
        "suggestion": f.suggestion,
        "related": [{"line": r.line, "column": r.column, "message": r.message} for r in f.related],
        "fingerprint": f.fingerprint,
        "fix": None
        if f.fix is None
        else {
            "pattern": f.fix.pattern,
            "applicability": f.fix.applicability,
            "description": f.fix.description,
            "diff": f.fix.diff,
        },
    }


def render(result: ScanResult, *, show_suppressed: bool = False) -> str:
    document: dict[str, Any] = {
        "version": 1,
        "tool": {"name": "leakscan", "version": __version__},
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [
            {"path": e.path, "line": e.line, "kind": e.kind, "message": e.message} for e in result.errors
        ],
        "summary": summary(result),
        "census": census(result),
    }
    if show_suppressed:
        document["suppressed_findings"] = [finding_dict(f) for f in result.silenced]
    return json.dumps(document, indent=2) + "\n"
