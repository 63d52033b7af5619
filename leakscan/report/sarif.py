"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other viewers."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from leakscan import __version__
from leakscan.findings import Finding, RuleInfo, ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"high": "error", "medium": "warning", "low": "note"}
FINGERPRINT_KEY = "leakscan/v1"


def _location(
    path: str, line: int, column: int, end_line: int | None = None, end_column: int | None = None
) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(line, 1), "startColumn": max(column, 1)}
    if end_line is not None and end_column is not None and (end_line, end_column) >= (line, column):
        region["endLine"] = end_line
        region["endColumn"] = max(end_column, 1)
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVELS[f.severity.value],
        "message": {"text": f.message + (f" Suggestion: {f.suggestion}." if f.suggestion else "")},
        "locations": [_location(f.path, f.line, f.column, f.end_line, f.end_column)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"confidence": f.confidence.value, "severity": f.severity.value, "symbol": f.symbol},
    }
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    if f.fix is not None:
        result["fixes"] = [
            {
                "description": {"text": f"{f.fix.description} ({f.fix.pattern}, {f.fix.applicability})"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "replacements": replacements(f.fix.diff),
                    }
                ],
            }
        ]
    if f.related:
        result["relatedLocations"] = [
            {**_location(f.path, r.line, r.column), "id": n, "message": {"text": r.message}}
            for n, r in enumerate(f.related, 1)
        ]
    return result


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def replacements(diff: str) -> list[dict[str, Any]]:
    """A unified diff as SARIF replacements: whole lines deleted, text inserted in their place.

    Regions are in the original file's lines; a pure insertion is an empty region at the
    start of the line it goes before.
    """
    changes: list[dict[str, Any]] = []
    line = 0
    start: int | None = None
    deleted = 0
    inserted: list[str] = []

    def flush() -> None:
        nonlocal start, deleted, inserted
        if start is not None:
            region = {"startLine": start, "startColumn": 1, "endLine": start + deleted, "endColumn": 1}
            changes.append({"deletedRegion": region, "insertedContent": {"text": "".join(inserted)}})
        start, deleted, inserted = None, 0, []

    for text in diff.splitlines(keepends=True):
        hunk = _HUNK.match(text)
        if hunk is not None:
            flush()
            line = int(hunk.group(1))
            if hunk.group(2) == "0":
                line += 1  # "-N,0": the insertion follows line N
            continue
        if text.startswith(("---", "+++")) and start is None and not changes and line == 0:
            continue  # the file header
        if text.startswith("-"):
            start = line if start is None else start
            deleted += 1
            line += 1
        elif text.startswith("+"):
            start = line if start is None else start
            inserted.append(text[1:] if text.endswith("\n") else text[1:] + "\n")
        elif text.startswith("\\"):
            continue  # "\ No newline at end of file"
        else:
            flush()
            line += 1
    flush()
    return changes


def render(result: ScanResult, rules: Sequence[RuleInfo]) -> str:
    index = {rule.id: n for n, rule in enumerate(rules)}
    findings = result.findings
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "leakscan",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [
                    {
                        "id": rule.id,
                        "name": rule.name,
                        "shortDescription": {"text": rule.summary},
                        "fullDescription": {"text": rule.summary},
                        "help": {"text": rule.documentation, "markdown": rule.documentation},
                        "defaultConfiguration": {"level": _LEVELS[rule.severity.value]},
                        "properties": {"tags": ["memory", "reliability"]},
                    }
                    for rule in rules
                ],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The folder leakscan ran in."}}},
        "results": [_result(f, index) for f in findings],
        "invocations": [
            {
                "executionSuccessful": not result.errors,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": f"{e.kind} error: {e.message}"},
                        "locations": [_location(e.path, e.line or 1, 1)],
                    }
                    for e in result.errors
                ],
            }
        ],
        "columnKind": "unicodeCodePoints",
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"
