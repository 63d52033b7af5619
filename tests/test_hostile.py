"""Odd and hostile input: every file yields results or one error entry, never a crash."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from leakscan.cli import command

LEAK = "SEEN = set()\n\n\ndef mark(item):\n    SEEN.add(item)\n"


def scan(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(command, [*args, "--format", "json", "--no-cache"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def test_a_hostile_tree_is_scanned_around_its_bad_files(in_tmp: Path) -> None:
    tree = in_tmp / "tree"
    tree.mkdir()
    (tree / "good.py").write_text(LEAK)
    (tree / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n" + LEAK.encode())
    (tree / "cp1252.py").write_bytes(b"# coding: cp1252\nQUOTE = '\x93hi\x94'\n" + LEAK.encode())
    (tree / "bom_crlf.py").write_bytes(b"\xef\xbb\xbf" + LEAK.replace("\n", "\r\n").encode())
    (tree / "lone_cr.py").write_bytes(LEAK.replace("\n", "\r").encode())
    (tree / "formfeed.py").write_text("x = 1\n\x0c\n" + LEAK.replace("    ", "\t"))
    (tree / "empty.py").write_text("")
    (tree / "py2.py").write_text("print 'hello'\n")
    (tree / "binary.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tree / "undecodable.py").write_bytes(b"x = '\xff\xfe'\n")
    (tree / "dir.py").mkdir()
    (tree / "dir.py" / "inner.py").write_text(LEAK)
    (tree / "with space é.py").write_text(LEAK)
    os.symlink("nowhere.py", tree / "dangling.py")
    os.symlink(".", tree / "loop")
    big = "".join(f"v{i} = {i}\n" for i in range(200_000))
    (tree / "big.py").write_text(big + LEAK)
    code, report = scan("tree")
    assert code == 1
    leaks = sorted(f["path"] for f in report["findings"])
    assert leaks == sorted(
        f"tree/{name}"
        for name in (
            "good.py",
            "latin.py",
            "cp1252.py",
            "bom_crlf.py",
            "lone_cr.py",
            "formfeed.py",
            "dir.py/inner.py",
            "with space é.py",
            "big.py",
        )
    )
    errors = {e["path"]: e["kind"] for e in report["errors"]}
    assert errors == {
        "tree/py2.py": "parse",
        "tree/binary.py": "read",
        "tree/undecodable.py": "read",
        "tree/dangling.py": "read",
    }


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_a_read_error(in_tmp: Path) -> None:
    path = in_tmp / "secret.py"
    path.write_text(LEAK)
    path.chmod(0)
    try:
        code, report = scan(".")
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert code == 1 and report["errors"][0]["kind"] == "read"


def test_scanning_never_imports_or_runs_the_code(in_tmp: Path) -> None:
    marker = in_tmp / "executed"
    (in_tmp / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n" + LEAK)
    (in_tmp / "conftest.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    code, report = scan(".")
    assert not marker.exists()
    assert code == 1 and {f["path"] for f in report["findings"]} >= {"evil.py"}
