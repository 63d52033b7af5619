"""The CI gate as a team adopts it: baseline, --new-since, shards, SARIF, GitHub annotations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from leakscan.app import in_shard
from leakscan.cli import command

DATA = Path(__file__).resolve().parent / "data"

OLD_LEAK = """\
import time


class SessionManager:
    def __init__(self):
        self.sessions = {}

    def login(self, token, user):
        self.sessions[token] = (user, time.time())
"""
NEW_LEAK = """\

EVENTS = []


def on_event(event):
    EVENTS.append(event)
"""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(command, list(args))
    return result.exit_code, result.stdout, result.stderr


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


@pytest.fixture
def repo(in_tmp: Path) -> Path:
    git("init", "-q", "-b", "main")
    git("config", "user.email", "dev@example.com")
    git("config", "user.name", "dev")
    (in_tmp / "app.py").write_text(OLD_LEAK)
    (in_tmp / "util.py").write_text("def f():\n    return 1\n")
    git("add", ".")
    git("commit", "-qm", "start")
    return in_tmp


def test_baseline_fails_only_on_new_findings(repo: Path) -> None:
    code, _, err = invoke(".", "--write-baseline", ".leakscan-baseline.json")
    assert code == 0 and "wrote 1 finding(s)" in err
    document = json.loads((repo / ".leakscan-baseline.json").read_text())
    assert document["version"] == 1
    assert [e["symbol"] for e in document["findings"]] == ["SessionManager.sessions"]
    assert set(document["findings"][0]) == {"rule", "path", "symbol", "fingerprint", "message"}
    # Shift every line, reformat: the old finding stays baselined.
    (repo / "app.py").write_text(
        '"""Sessions."""\n\n\n' + OLD_LEAK.replace("(user, time.time())", "(user,  time.time())")
    )
    code, out, _ = invoke(".", "--baseline", ".leakscan-baseline.json", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert report["findings"] == [] and report["summary"]["baselined"] == 1
    # A new leak fails the gate, and only it is reported.
    (repo / "app.py").write_text(OLD_LEAK + NEW_LEAK)
    code, out, _ = invoke(".", "--baseline", ".leakscan-baseline.json", "--format", "json")
    assert code == 1
    assert [f["symbol"] for f in json.loads(out)["findings"]] == ["EVENTS"]


def test_baseline_reports_what_is_gone(repo: Path) -> None:
    invoke(".", "--write-baseline", "base.json")
    (repo / "app.py").write_text("def nothing():\n    pass\n")
    code, _, err = invoke(".", "--baseline", "base.json")
    assert code == 0
    assert "1 baselined finding(s) are gone" in err


def test_baseline_from_configuration(repo: Path) -> None:
    invoke(".", "--write-baseline", "base.json")
    (repo / "pyproject.toml").write_text('[tool.leakscan]\nbaseline = "base.json"\n')
    assert invoke(".", "-q")[0] == 0


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("not json", "not valid JSON"),
        ('{"version": 9, "findings": []}', "has version 9"),
        ("[]", "not a leakscan baseline"),
    ],
)
def test_bad_baseline_is_exit_two(repo: Path, content: str, needle: str) -> None:
    (repo / "base.json").write_text(content)
    code, _, err = invoke(".", "--baseline", "base.json")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_new_since(repo: Path) -> None:
    assert invoke(".", "--new-since", "HEAD", "-q")[0] == 0  # nothing changed
    (repo / "app.py").write_text('"""Moved down."""\n\n' + OLD_LEAK + NEW_LEAK)
    (repo / "fresh.py").write_text("SEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n")
    code, out, _ = invoke(".", "--new-since", "HEAD", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert sorted(f["symbol"] for f in report["findings"]) == ["EVENTS", "SEEN"]
    assert report["summary"]["baselined"] == 1


def test_new_since_errors(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    code, _, err = invoke(".", "--new-since", "no-such-ref")
    assert code == 2 and "unknown git revision 'no-such-ref'" in err
    outside = tmp_path_factory.mktemp("plain")
    (outside / "a.py").write_text("x = 1\n")
    os.chdir(outside)
    code, _, err = invoke(".", "--new-since", "HEAD")
    assert code == 2 and "needs a git repository" in err


def test_sarif_validates_against_the_official_schema(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    (repo / "app.py").write_text(OLD_LEAK + NEW_LEAK)
    (repo / "broken.py").write_text("def f(:\n")
    code, out, _ = invoke(".", "--format", "sarif")
    assert code == 1
    document = json.loads(out)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    (run,) = document["runs"]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"LK101", "LK102", "LK301", "LK401"}
    results = run["results"]
    assert len(results) == 2
    for result in results:
        assert result["partialFingerprints"]["leakscan/v1"]
        assert result["relatedLocations"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    assert run["invocations"][0]["executionSuccessful"] is False

    # every result with a patch carries it as SARIF replacements, equal to the diff
    fixed = [r for r in results if "fixes" in r]
    assert fixed
    original = (repo / "app.py").read_text()
    json_findings = json.loads(invoke(".", "--format", "json")[1])["findings"]
    diffs = {f["line"]: f["fix"]["diff"] for f in json_findings if f["fix"]}
    for result in fixed:
        (fix,) = result["fixes"]
        (change,) = fix["artifactChanges"]
        assert change["artifactLocation"]["uri"] == "app.py"
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        pristine = tmp_path_factory.mktemp("pristine")
        (pristine / "app.py").write_text(original)
        subprocess.run(["git", "apply", "-"], cwd=pristine, input=diffs[line], text=True, check=True)
        assert _replace(original, change["replacements"]) == (pristine / "app.py").read_text()


def _replace(text: str, replacements: list[dict]) -> str:  # type: ignore[type-arg]
    """Apply SARIF whole-line replacements (the way a viewer would)."""
    lines = text.splitlines(keepends=True)
    for r in sorted(replacements, key=lambda r: r["deletedRegion"]["startLine"], reverse=True):
        region = r["deletedRegion"]
        assert region["startColumn"] == region["endColumn"] == 1
        lines[region["startLine"] - 1 : region["endLine"] - 1] = [r["insertedContent"]["text"]]
    return "".join(lines)


def test_github_annotations(repo: Path) -> None:
    code, out, _ = invoke(".", "--format", "github")
    assert code == 1
    assert out.startswith("::warning file=app.py,line=6,col=9,")
    assert "title=LK101 unbounded-mapping::" in out


def test_shards_partition_the_files(in_tmp: Path) -> None:
    for i in range(30):
        (in_tmp / f"m{i}.py").write_text("SEEN = set()\n\ndef mark(x):\n    SEEN.add(x)\n")
    seen: list[str] = []
    for k in (1, 2, 3):
        _, out, _ = invoke(".", "--shard", f"{k}/3", "--format", "json")
        seen += [f["path"] for f in json.loads(out)["findings"]]
    assert sorted(seen) == sorted(f"m{i}.py" for i in range(30))
    assert in_shard("src/a.py", 1, 2) != in_shard("src/a.py", 2, 2)


@pytest.mark.parametrize("value", ["3/2", "0/2", "x", "1/0"])
def test_bad_shard_is_exit_two(in_tmp: Path, value: str) -> None:
    (in_tmp / "a.py").write_text("x = 1\n")
    code, _, err = invoke(".", "--shard", value)
    assert code == 2 and "--shard" in err


def test_per_file_ignores_and_show_suppressed(in_tmp: Path) -> None:
    (in_tmp / "legacy").mkdir()
    (in_tmp / "legacy" / "old.py").write_text(OLD_LEAK)
    (in_tmp / "new.py").write_text(
        OLD_LEAK.replace("self.sessions = {}", "self.sessions = {}  # noqa: LK101")
    )
    (in_tmp / "pyproject.toml").write_text('[tool.leakscan.per-file-ignores]\n"legacy/*" = ["LK101"]\n')
    code, out, _ = invoke(".", "--format", "json", "--show-suppressed")
    report = json.loads(out)
    assert code == 0 and report["findings"] == []
    assert report["summary"]["suppressed"] == 2
    assert [f["path"] for f in report["suppressed_findings"]] == ["new.py"]


PRECOMMIT_CONFIG = """\
repos:
  - repo: {repo}
    rev: {rev}
    hooks:
      - id: leakscan
"""


@pytest.mark.slow
def test_pre_commit_hook_runs_through_real_pre_commit(
    repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    checkout = Path(__file__).resolve().parent.parent
    if not (checkout / ".git").exists():
        pytest.skip("needs a git checkout of leakscan")
    source = tmp_path_factory.mktemp("hookrepo")
    # A snapshot of this checkout (committed or not) as a repository pre-commit can clone.
    files = (
        subprocess.run(
            ["git", "-C", str(checkout), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        if name.startswith("fixtures/") or not (checkout / name).is_file():
            continue
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((checkout / name).read_bytes())
    subprocess.run(["git", "init", "-q"], cwd=source, check=True)
    subprocess.run(["git", "add", "."], cwd=source, check=True)
    subprocess.run(
        ["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "snapshot"],
        cwd=source,
        check=True,
    )
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=source, check=True, capture_output=True, text=True
    ).stdout.strip()
    (repo / ".pre-commit-config.yaml").write_text(PRECOMMIT_CONFIG.format(repo=source, rev=rev))
    (repo / "clean.py").write_text("def f():\n    return 1\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("precommit-home"))}
    clean = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "leakscan", "--files", "clean.py", "util.py"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    leaky = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "leakscan", "--files", "app.py"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert leaky.returncode == 1, leaky.stdout + leaky.stderr
    assert "LK101" in leaky.stdout
