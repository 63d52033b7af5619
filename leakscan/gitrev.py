"""Read a git revision without checking it out, for ``--new-since REF``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitError(Exception):
    """Not a repository, an unknown revision, or git itself is missing; exit 2."""


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise GitError("--new-since needs git, which is not installed") from exc
    if done.returncode != 0:
        raise GitError(
            done.stderr.decode(errors="replace").strip().splitlines()[-1] if done.stderr else "git failed"
        )
    return done.stdout


class Revision:
    """One revision of the repository that holds the current folder."""

    def __init__(self, ref: str, cwd: Path | None = None) -> None:
        self.cwd = cwd or Path.cwd()
        try:
            top = _git(["rev-parse", "--show-toplevel"], self.cwd).decode().strip()
        except GitError as exc:
            raise GitError("--new-since needs a git repository, and this folder is not in one") from exc
        self.top = Path(top)
        try:
            self.commit = (
                _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], self.cwd).decode().strip()
            )
        except GitError as exc:
            raise GitError(f"--new-since: unknown git revision {ref!r}") from exc
        if not self.commit:
            raise GitError(f"--new-since: unknown git revision {ref!r}")
        listed = _git(["diff", "--name-only", "-z", self.commit, "--"], self.top)
        untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], self.top)
        self.changed = {
            os.path.normcase(str(self.top / name))
            for name in (listed + untracked).decode("utf-8", "surrogateescape").split("\0")
            if name
        }

    def is_changed(self, path: Path) -> bool:
        return os.path.normcase(os.path.abspath(path)) in self.changed

    def read(self, path: Path) -> bytes | None:
        """The file's bytes at the revision, or None if it did not exist there."""
        relative = Path(os.path.abspath(path)).relative_to(self.top).as_posix()
        try:
            return _git(["show", f"{self.commit}:{relative}"], self.top)
        except GitError:
            return None
