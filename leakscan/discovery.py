"""Turn the paths a user gives into the Python files to scan.

Folders are walked in sorted order; ``.gitignore`` files (of the repository above and
of every folder walked) and ``exclude`` patterns use gitignore semantics through
pathspec.  A file named explicitly is always scanned.  Symlinked folders are followed
once per real folder, so a symlink loop ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".env",
    "env",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".leakscan_cache",
    "node_modules",
    "site-packages",
    ".eggs",
    "*.egg-info",
)
PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Target:
    """A file to scan: its path on disk and the path shown to users."""

    path: Path
    display: str


@dataclass
class Discovery:
    exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    problems: list[tuple[str, str]] = field(default_factory=list)  # (display, message)

    def __post_init__(self) -> None:
        self._exclude = pathspec.GitIgnoreSpec.from_lines([*DEFAULT_EXCLUDES, *self.exclude])

    def files(self, paths: Iterable[str]) -> list[Target]:
        seen: set[str] = set()
        targets: list[Target] = []
        here = os.getcwd()
        for raw in paths:
            path = Path(raw)
            if not path.exists() and not path.is_symlink():
                raise FileNotFoundError(raw)
            if path.is_dir():
                found = self._walk(path)
            elif path.is_symlink() and not path.exists():
                self.problems.append((display_path(path), "broken symbolic link"))
                continue
            else:
                found = iter([path])  # named explicitly: scanned even if excluded
            for file in found:
                key = os.path.normcase(os.path.abspath(file))
                if key not in seen:
                    seen.add(key)
                    targets.append(Target(file, display_path(file, here)))
        return targets

    def _walk(self, root: Path) -> Iterator[Path]:
        visited: set[str] = set()
        ignores = self._parent_gitignores(root) if self.respect_gitignore else []
        yield from self._walk_dir("", root, ignores, visited)

    def _walk_dir(
        self,
        rel_dir: str,
        folder: Path,
        ignores: list[tuple[Path, pathspec.GitIgnoreSpec]],
        visited: set[str],
    ) -> Iterator[Path]:
        """``rel_dir``: the folder relative to the walk's root, POSIX style with a trailing slash."""
        real = os.path.realpath(folder)
        if real in visited:
            return
        visited.add(real)
        if self.respect_gitignore:
            spec = _read_gitignore(folder / ".gitignore")
            if spec is not None:
                ignores = [*ignores, (folder, spec)]
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.problems.append((display_path(folder), f"cannot list folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                is_dir = is_file = False
            rel = rel_dir + entry.name
            if self._excluded(rel, is_dir) or (ignores and _ignored(path, is_dir, ignores)):
                continue
            if is_dir:
                yield from self._walk_dir(rel + "/", path, ignores, visited)
            elif entry.name.endswith(PYTHON_SUFFIXES):
                if is_file:
                    yield path
                elif entry.is_symlink():
                    self.problems.append((display_path(path), "broken symbolic link"))

    def _excluded(self, rel: str, is_dir: bool) -> bool:
        return self._exclude.match_file(rel + "/" if is_dir else rel)

    def _parent_gitignores(self, root: Path) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
        """The .gitignore files of the enclosing repository, above ``root``."""
        found: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
        current = Path(os.path.abspath(root))
        for parent in current.parents:
            spec = _read_gitignore(parent / ".gitignore")
            # A folder named explicitly is scanned even when a .gitignore above ignores it.
            if spec is not None and not _ignored(current, True, [(parent, spec)]):
                found.append((parent, spec))
            if (parent / ".git").exists():
                break
        else:
            return []  # not in a repository: outside .gitignore files do not apply
        return list(reversed(found))


def _read_gitignore(path: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(path: Path, is_dir: bool, ignores: list[tuple[Path, pathspec.GitIgnoreSpec]]) -> bool:
    absolute = os.path.abspath(path)
    for base, spec in ignores:
        prefix = os.path.abspath(base) + os.sep
        if not absolute.startswith(prefix):
            continue
        rel = absolute[len(prefix) :].replace(os.sep, "/")
        if spec.match_file(rel + "/" if is_dir else rel):
            return True
    return False


def display_path(path: Path | str, cwd: str | None = None) -> str:
    """Relative to the current folder when below it, POSIX style; absolute otherwise."""
    absolute = os.path.abspath(path)
    here = cwd if cwd is not None else os.getcwd()
    if absolute == here:
        return "."
    prefix = here if here.endswith(os.sep) else here + os.sep
    shown = absolute[len(prefix) :] if absolute.startswith(prefix) else absolute
    return shown.replace(os.sep, "/") if os.sep != "/" else shown
