"""Parallel scans, the result cache, and deterministic output."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from click.testing import CliRunner

from leakscan.cache import ResultCache
from leakscan.cli import command
from leakscan.discovery import Discovery
from leakscan.engine import EngineOptions
from leakscan.registry import all_rules
from leakscan.runner import RunOptions, options_key, scan_targets

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures"
OPTIONS = EngineOptions(rules=tuple(all_rules()))


def summary(result) -> list[tuple[str, int, str, str]]:  # type: ignore[no-untyped-def]
    return [(f.path, f.line, f.rule, f.fingerprint) for f in result.findings]


def test_two_jobs_give_the_same_result_as_one() -> None:
    targets = Discovery().files([str(SAMPLE)])
    assert len(targets) > 20
    one = scan_targets(targets, OPTIONS, RunOptions(jobs=1))
    two = scan_targets(targets, OPTIONS, RunOptions(jobs=2))
    assert summary(one) == summary(two)
    assert [r.path for r in one.files] == [r.path for r in two.files]
    assert one.census == two.census


def test_warm_cache_returns_the_same_result_without_parsing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    targets = Discovery().files([str(SAMPLE)])
    cache = ResultCache(tmp_path, options_key(OPTIONS))
    cold = scan_targets(targets, OPTIONS, RunOptions(jobs=1, cache=cache))
    assert cache.hits == 0 and cache.misses == len(targets)

    def no_parsing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a warm scan must not parse")

    monkeypatch.setattr("leakscan.runner.scan_file", no_parsing)
    warm_cache = ResultCache(tmp_path, options_key(OPTIONS))
    warm = scan_targets(targets, OPTIONS, RunOptions(jobs=2, cache=warm_cache))
    assert warm_cache.hits == len(targets)
    assert summary(warm) == summary(cold)


def test_changed_options_or_content_miss_the_cache(tmp_path: Path, in_tmp: Path) -> None:
    (in_tmp / "m.py").write_text("SEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n")
    targets = Discovery().files(["."])
    first = ResultCache(tmp_path / "c", options_key(OPTIONS))
    scan_targets(targets, OPTIONS, RunOptions(cache=first))
    narrow = EngineOptions(rules=tuple(r for r in all_rules() if r.id == "LK301"))
    other = ResultCache(tmp_path / "c", options_key(narrow))
    result = scan_targets(targets, narrow, RunOptions(cache=other))
    assert other.hits == 0 and result.findings == []
    (in_tmp / "m.py").write_text("SEEN = set()\n")
    again = ResultCache(tmp_path / "c", options_key(OPTIONS))
    result = scan_targets(targets, OPTIONS, RunOptions(cache=again))
    assert again.hits == 0 and result.findings == []


def test_corrupt_entries_are_ignored_and_rewritten(tmp_path: Path, in_tmp: Path) -> None:
    (in_tmp / "m.py").write_text("SEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n")
    targets = Discovery().files(["."])
    cache = ResultCache(tmp_path, options_key(OPTIONS))
    scan_targets(targets, OPTIONS, RunOptions(cache=cache))
    entries = [p for p in cache.folder.rglob("*") if p.is_file()]
    assert len(entries) == 1
    entries[0].write_bytes(b"\x80garbage")
    fresh = ResultCache(tmp_path, options_key(OPTIONS))
    result = scan_targets(targets, OPTIONS, RunOptions(cache=fresh))
    assert fresh.hits == 0 and [f.rule for f in result.findings] == ["LK101"]
    assert pickle.loads(entries[0].read_bytes()).findings  # rewritten with the real result


def test_cli_cache_flags(in_tmp: Path) -> None:
    (in_tmp / "m.py").write_text("SEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n")
    runner = CliRunner()
    first = runner.invoke(command, [".", "--format", "json", "--cache-dir", "cachedir"])
    assert first.exit_code == 1 and (in_tmp / "cachedir").is_dir()
    assert (in_tmp / "cachedir" / "CACHEDIR.TAG").is_file()
    second = runner.invoke(command, [".", "--format", "json", "--cache-dir", "cachedir", "-j", "2"])
    assert json.loads(first.output)["findings"] == json.loads(second.output)["findings"]
    runner.invoke(command, [".", "--no-cache", "--cache-dir", "other"])
    assert not (in_tmp / "other").exists()


def test_a_pooled_run_prints_nothing_on_stderr() -> None:
    """Workers are ended with SIGTERM when the scan is done: they must stop silently."""
    import subprocess
    import sys

    tree = ROOT / "fixtures" / "agent_cellphone_v2" / "before"
    proc = subprocess.run(
        [sys.executable, "-m", "leakscan", str(tree), "--format", "concise", "--no-cache", "-j", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr == ""
    assert proc.stdout.count(" LK10") == 5
