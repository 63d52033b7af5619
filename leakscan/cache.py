"""A persistent result cache: one entry per file, keyed by everything that decides its result.

The key is a hash of the file's bytes, its display path (findings carry it), the
leakscan version and the engine options (selected rules, max-size).  An entry is a
pickled :class:`FileResult`, written to a temporary file and renamed into place, so two
runs sharing the folder never see half an entry; an entry that cannot be read is
ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from leakscan import __version__
from leakscan.findings import FileResult

CACHE_DIR_ENV = "LEAKSCAN_CACHE_DIR"
DEFAULT_CACHE_DIR = ".leakscan_cache"
_FORMAT = 1  # bump when FileResult's shape changes


class ResultCache:
    def __init__(self, folder: Path, options_key: str) -> None:
        self.folder = folder / f"v{_FORMAT}-{__version__}-{_code_stamp()}"
        self.options_key = options_key
        self._root = str(self.folder)
        self._base = hashlib.blake2b(digest_size=20)  # the options part of every key, hashed once
        self._base.update(options_key.encode() + b"\0")
        self.hits = 0
        self.misses = 0
        self._ready = False

    def key(self, data: bytes, display: str) -> str:
        digest = self._base.copy()
        digest.update(display.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> FileResult | None:
        try:
            with open(os.path.join(self._root, key[:2], key), "rb") as handle:
                result = pickle.load(handle)
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # corrupt, truncated or from an incompatible build: rescan
            self.misses += 1
            return None
        if not isinstance(result, FileResult):
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, key: str, result: FileResult) -> None:
        if any(error.kind in ("read", "internal") for error in result.errors):
            return  # unreadable now, over the time budget, or a crash: try again next time
        path = self._path(key)
        try:
            if not self._ready:
                self.folder.mkdir(parents=True, exist_ok=True)
                tag = self.folder.parent / "CACHEDIR.TAG"
                if not tag.exists():
                    tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# leakscan result cache\n")
                ignore = self.folder.parent / ".gitignore"
                if not ignore.exists():
                    ignore.write_text("# created by leakscan\n*\n")
                self._ready = True
            path.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as out:
                    pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass  # a read-only or full disk must not fail the scan


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR)


def _code_stamp() -> str:
    """Changes whenever leakscan's own code does (an editable install between releases),
    so a cache never serves results computed by other code."""
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=6)
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()
