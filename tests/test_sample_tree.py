"""Acceptance: the sample service tree from the original report."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from leakscan.cli import command

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "agent_cellphone_v2"


def scan(tree: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(command, [str(SAMPLE / tree), "--format", "json", "--no-progress"])
    return result.exit_code, json.loads(result.output)


def test_before_reports_exactly_the_five_leaks() -> None:
    code, report = scan("before")
    assert code == 1
    got = sorted((f["rule"], f["symbol"], Path(f["path"]).name) for f in report["findings"])
    assert got == [
        ("LK101", "CachingEngine.cache", "caching_engine.py"),
        ("LK101", "ChatGPTSession.cookie_cache", "session.py"),
        ("LK101", "StatusReader.status_cache", "status_reader.py"),
        ("LK102", "MessageBatch.messages", "message_batching_service.py"),
        ("LK102", "PerformanceMonitoringSystem.metrics_history", "performance_monitoring_system.py"),
    ]
    assert report["errors"] == []
    for finding in report["findings"]:
        assert finding["related"], "every container finding lists where it grows"


def test_after_reports_only_the_warn_only_batch() -> None:
    code, report = scan("after")
    assert code == 1
    # The report's "fix" only warns when the batch is full: one finding, as LK103, not also LK102.
    assert [(f["rule"], f["symbol"]) for f in report["findings"]] == [("LK103", "MessageBatch.messages")]


def test_census_lists_what_was_judged_safe() -> None:
    _, report = scan("before")
    census = report["census"]
    assert census["loops"] == {"inspected": 6, "flagged": 0, "safe": {"breaks": 4, "returns": 2}}
    assert census["resources"]["flagged"] == 0
    assert census["resources"]["safe"] == {"inside-with": census["resources"]["inspected"]}
    assert census["resources"]["inspected"] >= 8
    safe = census["containers"]["safe"]
    assert safe["deque-maxlen"] == 1
    assert safe["evicted"] == 1  # the message queue pops when full
    assert census["containers"]["flagged"] == 5


def test_after_census_credits_each_fix() -> None:
    _, report = scan("after")
    safe = report["census"]["containers"]["safe"]
    assert safe["evicted"] >= 4  # LRU, oldest-first (two dicts), FIFO, message queue
    assert safe["trimmed"] == 1  # the rolling window


def test_text_report_shows_table_census_and_totals() -> None:
    result = CliRunner().invoke(command, [str(SAMPLE / "before"), "--no-color", "--no-progress"])
    out = result.output
    assert result.exit_code == 1
    for needle in (
        "leakscan findings",
        "Suggested fix",
        "Census",
        "deque(maxlen)",
        "loop breaks",
        "inside with",
        "Found 5 finding(s)",
    ):
        assert needle in out, needle
