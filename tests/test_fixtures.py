"""Functional fixtures: ``fixtures/<ID>/*.py`` with expectations as trailing comments.

A line ending in ``# LK101`` must be flagged by LK101; no other line of the file may
be flagged by that rule (at the default --min-confidence).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from leakscan.engine import EngineOptions, scan_file
from leakscan.findings import Level
from leakscan.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted(p for p in (ROOT / "fixtures").glob("LK*/*.py") if not p.name.endswith(".fixed.py"))
EXPECT = re.compile(r"#\s*(LK\d{3}(?:\s*,\s*LK\d{3})*)\s*$")


def expected(path: Path) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = EXPECT.search(line)
        if match:
            found |= {(number, code.strip()) for code in match.group(1).split(",")}
    return found


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path: Path) -> None:
    rule_id = path.parent.name
    rules = tuple(r for r in all_rules() if r.id == rule_id)
    result = scan_file(path, path.name, EngineOptions(rules=rules))
    assert not result.errors
    got = {(f.line, f.rule) for f in result.findings if f.confidence.rank >= Level.MEDIUM.rank}
    assert got == expected(path)
