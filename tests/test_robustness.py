"""Faults and fuzzing: time budgets, plugins, interrupted fixes, generated Python, real trees."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import hypothesmith
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from leakscan.cli import command
from leakscan.engine import EngineOptions, scan_source
from leakscan.registry import all_rules
from leakscan.report.json_report import render

OPTIONS = EngineOptions(rules=tuple(all_rules()))
EXAMPLES = int(os.environ.get("LEAKSCAN_HYPOTHESIS_EXAMPLES", "40"))
LEAK = "SEEN = []\n\n\ndef mark(item):\n    SEEN.append(item)\n"


def test_a_file_over_the_time_budget_is_one_error(in_tmp: Path) -> None:
    (in_tmp / "ok.py").write_text(LEAK)
    big = "".join(f"def f{i}(x):\n    return [x for x in range({i})]\n" for i in range(4000))
    (in_tmp / "slow.py").write_text(big)
    result = CliRunner().invoke(
        command, [".", "--format", "json", "--no-cache", "--file-timeout", "0.05", "-j", "1"]
    )
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [e["path"] for e in report["errors"]] == ["slow.py"]
    assert "time budget" in report["errors"][0]["message"]
    assert [f["path"] for f in report["findings"]] == ["ok.py"]


PLUGIN = '''
from leakscan.findings import Level
from leakscan.rule import FileContext, Invalid, Rule, Valid


class NoPrint(Rule):
    """
    ## What it does
    Flags print().
    """

    id = "XP100"
    name = "no-print"
    family = "resources"
    severity = Level.LOW
    message = "print"
    VALID = [Valid("x = 1\\n")]
    INVALID = [Invalid("print(1)\\n", line=1)]

    def check(self, ctx: FileContext) -> None:
        for call in ctx.index.calls:
            if ctx.index.qualified_name(call.func) == "builtins.print":
                ctx.report(self, call, symbol="<module>", message="print() call")
'''


def test_plugins_load_only_when_named(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (in_tmp / "myrules.py").write_text(PLUGIN)
    (in_tmp / "app.py").write_text("print('hi')\n")
    monkeypatch.syspath_prepend(str(in_tmp))
    runner = CliRunner()
    without = runner.invoke(command, ["app.py", "--format", "json", "--no-cache"])
    assert json.loads(without.stdout)["findings"] == []
    with_plugin = runner.invoke(
        command,
        ["app.py", "--format", "json", "--no-cache", "--plugin", "myrules", "--min-confidence", "low"],
    )
    assert [f["rule"] for f in json.loads(with_plugin.stdout)["findings"]] == ["XP100"]
    broken = runner.invoke(command, ["app.py", "--plugin", "no_such_module_here"])
    assert broken.exit_code == 2 and "cannot import rule pack" in broken.stderr


def test_an_interrupted_fix_leaves_every_file_old_or_new(in_tmp: Path) -> None:
    tree = in_tmp / "tree"
    tree.mkdir()
    originals = {}
    for i in range(300):
        source = (
            f"HISTORY_{i} = []\n\n\ndef record_{i}(item):\n    HISTORY_{i}.append(item)\n" + "x = 1\n" * 200
        )
        path = tree / f"m{i:03}.py"
        path.write_text(source)
        originals[path] = source
    process = subprocess.Popen(
        [sys.executable, "-m", "leakscan", "tree", "--fix", "--no-cache", "--no-progress", "-q", "-j", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.5)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    changed = 0
    for path, source in originals.items():
        text = path.read_text()
        compile(text, str(path), "exec")  # never truncated or half-written
        if text != source:
            changed += 1
            assert "deque(maxlen=MAX_HISTORY_" in text
    assert not [p for p in tree.iterdir() if not p.name.endswith(".py")], "temporary files left behind"
    assert changed < len(originals) or process.returncode == 0


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_grammar())
def test_generated_python_never_breaks_the_engine(source: str) -> None:
    result = scan_source(source, "generated.py", OPTIONS)
    assert not [e for e in result.errors if e.kind == "internal"], result.errors
    from leakscan.findings import ScanResult

    json.loads(render(ScanResult(files=[result])))


@settings(max_examples=max(5, EXAMPLES // 4), deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_node())
def test_generated_modules_never_break_the_engine(source: str) -> None:
    result = scan_source(source, "generated.py", OPTIONS)
    assert not [e for e in result.errors if e.kind == "internal"], result.errors


def _compiles(path: str) -> bool:
    try:
        compile(Path(path).read_bytes(), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


@pytest.mark.slow
def test_real_trees_scan_without_internal_errors(in_tmp: Path) -> None:
    stdlib = sysconfig.get_paths()["stdlib"]
    purelib = sysconfig.get_paths()["purelib"]
    result = CliRunner().invoke(
        command,
        [stdlib, purelib, "--format", "json", "--no-cache", "--no-gitignore", "--min-confidence", "low"],
    )
    assert result.exit_code in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["files_scanned"] > 1000
    internal = [e for e in report["errors"] if e["kind"] == "internal"]
    assert not internal, internal[:5]
    for error in report["errors"]:
        if error["kind"] != "parse":
            continue
        if "unsupported by the parser" in error["message"]:
            continue  # valid Python that libcst's parser does not support yet (reported, not hidden)
        assert not _compiles(error["path"]), error
