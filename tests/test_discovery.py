"""Which files a scan sees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leakscan.discovery import Discovery


def names(targets: list) -> list[str]:  # type: ignore[type-arg]
    return [t.display for t in targets]


@pytest.fixture
def repo(in_tmp: Path) -> Path:
    (in_tmp / ".git").mkdir()
    for rel in [
        "src/app.py",
        "src/types.pyi",
        "src/notes.txt",
        "src/gen/out.py",
        "build/x.py",
        ".venv/lib/y.py",
        "node_modules/z.py",
        "src/__pycache__/c.py",
        "tests/test_app.py",
    ]:
        path = in_tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    (in_tmp / ".gitignore").write_text("gen/\n")
    return in_tmp


def test_default_excludes_and_gitignore(repo: Path) -> None:
    assert names(Discovery().files(["."])) == ["src/app.py", "src/types.pyi", "tests/test_app.py"]


def test_no_gitignore(repo: Path) -> None:
    found = names(Discovery(respect_gitignore=False).files(["."]))
    assert "src/gen/out.py" in found and "build/x.py" not in found


def test_exclude_globs(repo: Path) -> None:
    assert names(Discovery(exclude=["tests/", "*.pyi"]).files(["."])) == ["src/app.py"]


def test_gitignore_of_parent_repository_applies_to_subfolder(repo: Path) -> None:
    assert names(Discovery().files(["src"])) == ["src/app.py", "src/types.pyi"]


def test_explicit_file_is_scanned_even_if_excluded(repo: Path) -> None:
    assert names(Discovery().files(["build/x.py", "src/gen/out.py"])) == ["build/x.py", "src/gen/out.py"]


def test_missing_path_raises(repo: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Discovery().files(["nope"])


def test_symlink_loop_and_broken_link(in_tmp: Path) -> None:
    (in_tmp / "a").mkdir()
    (in_tmp / "a" / "m.py").write_text("x = 1\n")
    os.symlink("..", in_tmp / "a" / "loop")
    os.symlink("missing.py", in_tmp / "a" / "dangling.py")
    discovery = Discovery()
    assert names(discovery.files(["a"])) == ["a/m.py"]
    assert discovery.problems == [("a/dangling.py", "broken symbolic link")]


def test_duplicates_are_scanned_once(repo: Path) -> None:
    assert names(Discovery().files(["src", "src/app.py"])) == ["src/app.py", "src/types.pyi"]
