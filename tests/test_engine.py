"""Engine-level promises: positions, fingerprints, isolation of failures."""

from __future__ import annotations

import random

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from leakscan.analyses.positions import spans
from leakscan.engine import EngineOptions, scan_source
from leakscan.findings import Level
from leakscan.registry import all_rules
from leakscan.rule import FileContext, Rule

OPTIONS = EngineOptions(rules=tuple(all_rules()))

SOURCE = """\
import time

CACHE = {}


class Poller:
    def __init__(self):
        self.events = []

    def run(self):
        while True:
            self.events.append(time.time())


def lookup(key, compute):
    if key not in CACHE:
        CACHE[key] = compute(key)
    return CACHE[key]


def read(path):
    return open(path).read()
"""


def keyed(source: str) -> dict[tuple[str, str], tuple[int, str]]:
    result = scan_source(source, "mod.py", OPTIONS)
    return {(f.rule, f.symbol): (f.line, f.fingerprint) for f in result.findings}


def test_positions_match_libcst_position_provider() -> None:
    module = cst.parse_module(SOURCE * 3)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    expected = wrapper.resolve(PositionProvider)
    nodes = [n for n in expected if isinstance(n, (cst.Name, cst.Attribute, cst.Call, cst.Subscript))]
    sample = random.Random(7).sample(nodes, 60)
    got = spans(module, sample)
    for node in sample:
        want = expected[node]
        span = got[node]
        assert (span.line, span.column - 1, span.end_line, span.end_column - 1) == (
            want.start.line,
            want.start.column,
            want.end.line,
            want.end.column,
        ), module.code_for_node(node)


def test_fingerprints_survive_unrelated_edits() -> None:
    before = keyed(SOURCE)
    assert set(before) == {
        ("LK101", "CACHE"),
        ("LK102", "Poller.events"),
        ("LK301", "Poller.run"),
        ("LK401", "read"),
    }
    shifted = "import os\n\n\ndef helper():\n    return os.sep\n\n" + SOURCE.replace(
        "    return CACHE[key]", "    value = CACHE[key]\n    return value"
    )
    after = keyed(shifted)
    assert set(after) == set(before)
    for key, (line, fingerprint) in before.items():
        assert after[key][1] == fingerprint, key
        assert after[key][0] != line


def test_renaming_the_container_changes_its_fingerprint() -> None:
    before = keyed(SOURCE)
    after = keyed(SOURCE.replace("CACHE", "MEMO"))
    assert after[("LK101", "MEMO")][1] != before[("LK101", "CACHE")][1]


def test_a_failing_rule_is_one_error_and_others_still_report() -> None:
    class Broken(Rule):
        """Always fails."""

        id = "LK999"
        name = "broken"
        family = "containers"
        message = "never"

        def check(self, ctx: FileContext) -> None:
            raise ValueError("boom")

    result = scan_source(SOURCE, "mod.py", EngineOptions(rules=(*OPTIONS.rules, Broken)))
    assert [(e.kind, e.message) for e in result.errors] == [
        ("internal", "rule LK999 failed: ValueError: boom")
    ]
    assert len(result.findings) == 4


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    source = "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n"
    result = scan_source(source, "deep.py", OPTIONS)
    assert result.errors or not result.findings


def test_encoding_cookie_and_bom_are_decoded() -> None:
    latin = "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\nSEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n"
    result = scan_source(latin.encode("latin-1"), "latin.py", OPTIONS)
    assert not result.errors and [f.rule for f in result.findings] == ["LK101"]
    bom = "\ufeffSEEN = set()\r\n\r\ndef mark(x):\r\n    SEEN.add(x)\r\n"
    result = scan_source(bom.encode("utf-8"), "bom.py", OPTIONS)
    assert not result.errors and [(f.rule, f.line) for f in result.findings] == [("LK101", 1)]


def test_nul_byte_is_a_parse_error() -> None:
    result = scan_source(b"x = 1\x00\n", "nul.py", OPTIONS)
    assert [(e.kind, e.message) for e in result.errors] == [("parse", "source contains a NUL byte")]


def test_long_operator_chains_do_not_exhaust_the_stack() -> None:
    parts = " ".join(f"'part{i}'" for i in range(3000))
    plus = " + ".join(f"x{i}" for i in range(3000))
    source = f"TEXT = ({parts})\nTOTAL = {plus}\nSEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n"
    result = scan_source(source, "long.py", OPTIONS)
    assert not result.errors
    assert [f.rule for f in result.findings] == ["LK101"]


def test_copies_and_self_aliases_terminate() -> None:
    source = (
        "class Registry:\n    def __init__(self):\n        self.items = {}\n\n"
        "    def snapshot(self):\n        items = self.items.copy()\n        items = items.copy()\n"
        "        view = items\n        items = view\n        return items\n"
    )
    result = scan_source(source, "copies.py", OPTIONS)
    assert not result.errors


def test_thousands_of_nested_brackets_are_a_parse_error_not_a_crash() -> None:
    source = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\nSEEN = set()\n"
    result = scan_source(source, "deep.py", OPTIONS)
    assert [(e.kind, e.line) for e in result.errors] == [("parse", 1)]
    assert "parenthes" in result.errors[0].message


def test_brackets_inside_strings_do_not_count() -> None:
    source = "TEXT = '" + "(" * 500 + "'\nSEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n"
    result = scan_source(source, "strings.py", OPTIONS)
    assert not result.errors and [f.rule for f in result.findings] == ["LK101"]


def test_deep_blocks_are_one_error() -> None:
    source = "".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "pass\n"
    result = scan_source(source, "blocks.py", OPTIONS)
    assert [e.kind for e in result.errors] == ["parse"]


def test_trusted_parse_builds_the_same_tree_and_keeps_validation_for_later_nodes() -> None:
    import sysconfig
    from pathlib import Path

    from leakscan.engine import parse

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name in ("json/decoder.py", "argparse.py", "asyncio/tasks.py"):
        text = (stdlib / name).read_text(encoding="utf-8")
        fast = parse(text)
        assert fast.code == text
        assert fast.deep_equals(cst.parse_module(text))
    # the checks are back once parsing ends: a hand-built invalid node is still refused
    try:
        cst.Name("")
    except cst.CSTValidationError:
        pass
    else:
        raise AssertionError("node validation was left switched off")


def test_patches_are_built_only_for_findings_sure_enough_to_show_them() -> None:
    module = cst.parse_module("CACHE = {}\n")
    ctx = FileContext("app.py", module)
    built: list[str] = []

    def build() -> None:
        built.append("built")

    node = module.body[0]
    rule = all_rules()[0]
    ctx.report(rule(), node, symbol="CACHE", message="m", confidence=Level.LOW, proposal=build)
    assert built == []  # below fix_min_confidence: the builder never runs
    ctx.report(rule(), node, symbol="CACHE", message="m", confidence=Level.HIGH, proposal=build)
    assert built == ["built"]
    test_ctx = FileContext("tests/test_app.py", module)  # test code is capped at low confidence
    test_ctx.report(rule(), node, symbol="CACHE", message="m", confidence=Level.HIGH, proposal=build)
    assert built == ["built"]
