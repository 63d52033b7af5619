"""The command line as users meet it: formats, exit codes, bad input, bad options."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan import __version__
from leakscan.cli import main

LEAKY = """\
class SessionManager:
    def __init__(self):
        self.sessions = {}

    def login(self, token, user):
        self.sessions[token] = user
"""


def run(*args: str) -> tuple[int, str, str]:
    """Run the real entry point (one-line errors included) and capture its streams."""
    runner = CliRunner()
    result = runner.invoke(_entry, list(args))
    return result.exit_code, result.stdout, result.stderr


import click  # noqa: E402


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _entry(ctx: click.Context) -> None:
    main(ctx.args)


@pytest.fixture
def tree(in_tmp: Path) -> Path:
    (in_tmp / "pkg").mkdir()
    (in_tmp / "pkg" / "sessions.py").write_text(LEAKY)
    (in_tmp / "pkg" / "clean.py").write_text("def f(x):\n    return [x]\n")
    return in_tmp


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"leakscan {__version__}"


def test_clean_tree_exits_zero(in_tmp: Path) -> None:
    (in_tmp / "ok.py").write_text(
        "import json\n\ndef load(p):\n    with open(p) as f:\n        return json.load(f)\n"
    )
    code, out, _ = run(".", "--no-color")
    assert code == 0
    assert "Found 0 finding(s)" in out


def test_findings_exit_one_and_json_contract(tree: Path) -> None:
    code, out, _ = run("pkg", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["version"] == 1
    assert report["tool"] == {"name": "leakscan", "version": __version__}
    (finding,) = report["findings"]
    assert finding["rule"] == "LK101" and finding["name"] == "unbounded-mapping"
    assert finding["path"] == "pkg/sessions.py"
    assert (finding["line"], finding["column"]) == (3, 9)
    assert finding["symbol"] == "SessionManager.sessions"
    assert finding["related"] == [{"line": 6, "column": 9, "message": "grows here ([key] = value)"}]
    fix = finding["fix"]
    assert (fix["pattern"], fix["applicability"]) == ("fifo-eviction", "safe")
    assert fix["diff"].startswith("--- a/pkg/sessions.py\n+++ b/pkg/sessions.py\n")
    assert finding["fingerprint"] and str(finding["line"]) not in finding["fingerprint"][:0]
    assert set(report["summary"]) >= {
        "files_scanned",
        "lines_scanned",
        "duration_s",
        "findings",
        "by_rule",
        "by_severity",
        "baselined",
        "suppressed",
    }
    assert report["summary"]["files_scanned"] == 2
    assert set(report["census"]) == {"containers", "loops", "resources"}


def test_concise_format(tree: Path) -> None:
    code, out, _ = run("pkg", "--format", "concise")
    assert code == 1
    assert out.startswith("pkg/sessions.py:3:9: LK101 ")


def test_fail_on_threshold(tree: Path) -> None:
    # The finding is medium severity (instance attribute): --fail-on high lets it pass.
    assert run("pkg", "--fail-on", "high", "-q")[0] == 0
    assert run("pkg", "--fail-on", "medium", "-q")[0] == 1


def test_select_and_ignore(tree: Path) -> None:
    assert run("pkg", "--select", "LK102", "-q")[0] == 0
    assert run("pkg", "--ignore", "LK101", "-q")[0] == 0
    assert run("pkg", "--select", "LK1", "-q")[0] == 1


def test_output_file(tree: Path) -> None:
    code, out, _ = run("pkg", "--format", "json", "--output", "report.json")
    assert code == 1 and out == ""
    assert json.loads((tree / "report.json").read_text())["summary"]["findings"] == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--format", "xml"], "--format"),
        (["--select", "LK999"], "unknown rule LK999"),
        (["--explain", "LK999"], "unknown rule"),
        (["does-not-exist"], "path does not exist: does-not-exist"),
        (["--fail-on", "urgent"], "--fail-on"),
        (["--no-such-option"], "no-such-option"),
        (["--config", "missing.toml"], "configuration file not found"),
    ],
)
def test_usage_errors_are_one_line_exit_two(tree: Path, args: list[str], needle: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err + out


def test_bad_config_key_is_exit_two(tree: Path) -> None:
    (tree / "pyproject.toml").write_text("[tool.leakscan]\nselect = ['LK101']\nfail_on = 'high'\n")
    code, _, err = run("pkg")
    assert code == 2
    assert "unknown key 'fail_on'" in err and "pyproject.toml" in err


def test_bad_config_type_is_exit_two(tree: Path) -> None:
    (tree / "pyproject.toml").write_text("[tool.leakscan]\nmax-size = 'big'\n")
    code, _, err = run("pkg")
    assert code == 2 and "max-size must be a positive integer" in err


def test_config_applies_and_cli_overrides(tree: Path) -> None:
    (tree / "pyproject.toml").write_text("[tool.leakscan]\nignore = ['LK101']\n")
    assert run("pkg", "-q")[0] == 0
    assert run("pkg", "-q", "--ignore", "LK301")[0] == 1


def test_broken_files_beside_a_leak(tree: Path) -> None:
    (tree / "pkg" / "broken.py").write_text("def f(:\n    pass\n")
    (tree / "pkg" / "latin.py").write_bytes(b"x = '\xff\xfe caf\xe9'\n")
    code, out, _ = run("pkg", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert [f["rule"] for f in report["findings"]] == ["LK101"]
    errors = {e["path"]: e for e in report["errors"]}
    assert set(errors) == {"pkg/broken.py", "pkg/latin.py"}
    assert errors["pkg/broken.py"]["kind"] == "parse" and errors["pkg/broken.py"]["line"] == 1
    assert errors["pkg/latin.py"]["kind"] == "read"


def test_errors_alone_fail_the_gate(in_tmp: Path) -> None:
    (in_tmp / "broken.py").write_text("def f(:\n")
    code, out, _ = run(".", "--no-color")
    assert code == 1
    assert "could not be fully scanned" in out


def test_empty_tree_exits_zero_with_a_note(in_tmp: Path) -> None:
    code, _, err = run(".")
    assert code == 0 and "no Python files" in err


def test_list_rules_and_explain() -> None:
    code, out, _ = run("--list-rules")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "LK101",
        "LK102",
        "LK103",
        "LK201",
        "LK202",
        "LK301",
        "LK302",
        "LK401",
        "LK402",
        "LK501",
        "LK502",
    ]
    code, out, _ = run("--explain", "LK101")
    assert code == 0 and "## Why is this bad?" in out
    assert run("--explain", "endless-loop")[0] == 0


def test_suppression_comments(in_tmp: Path) -> None:
    source = LEAKY.replace("self.sessions = {}", "self.sessions = {}  # leakscan: ignore[LK101]")
    (in_tmp / "a.py").write_text(source)
    (in_tmp / "b.py").write_text(LEAKY.replace("self.sessions = {}", "self.sessions = {}  # noqa: LK101"))
    (in_tmp / "c.py").write_text(LEAKY.replace("self.sessions = {}", "self.sessions = {}  # noqa: LK102"))
    code, out, _ = run(".", "--format", "json")
    report = json.loads(out)
    assert [f["path"] for f in report["findings"]] == ["c.py"]
    assert report["summary"]["suppressed"] == 2
    assert code == 1


def test_python_dash_m_and_console_script(tree: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "leakscan", "pkg", "--format", "concise"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "LK101" in proc.stdout
    assert proc.stderr == ""
