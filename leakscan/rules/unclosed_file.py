"""LK401 unclosed-file."""

from __future__ import annotations

from leakscan.analyses.resources import FILE_OPENERS
from leakscan.rule import Invalid, Valid
from leakscan.rules._resource_rule import ResourceRule


class UnclosedFile(ResourceRule):
    """
    ## What it does
    Flags `open()` and its kin (`io.open`, `codecs.open`, `gzip.open`, `bz2.open`,
    `lzma.open`, `os.fdopen`, ...) whose file object is not managed: not opened in a
    `with` block, not closed in a `finally`, not returned to the caller and not owned
    by an object that closes it.

    ## Why is this bad?
    An unclosed file keeps its descriptor (and its buffers) until the garbage
    collector gets to it: immediately on CPython in the simple case, much later (or
    never, if a reference cycle or a traceback holds it) elsewhere. A long-running
    process that opens files in a loop runs out of descriptors ("Too many open
    files"), and unflushed writes can be lost.

    A `close()` that is not in a `finally` (nor in `__exit__`/`close()` of an owner)
    leaks the file only when an exception happens between open and close: reported with
    medium confidence when other code runs in between (a download, a parse: every
    failure leaks one descriptor), low when only the file's own methods do.

    A file stored on `self` whose class never closes it is low confidence (the object
    may be meant to hold it for its whole life), but medium when a method of the class
    closes the object's other resources (`stop()` terminates the child it logs for) and
    forgets this one. Handing it to a child (`Popen(..., stderr=self.log_fh)`) does not
    give it away: the child gets a copy.

    A method that stores a new handle on `self` and runs both while the object is built
    and again later (a reopen on log rotation, a reconnect) leaks the handle it replaces,
    unless it closes the old one first or only opens when there is none.

    A handle returned to the caller is the caller's, unless a handler between the open
    and the return leaves without closing it (`except BlockingIOError: return None`).

    `pathlib.Path.open()` counts as `open()`, and the descriptor `tempfile.mkstemp()`
    returns counts as an open file: `os.close(fd)` closes it and `os.fdopen(fd)` takes it
    over.

    ## Example
    ```python
    def load(path):
        return json.load(open(path))
    ```

    ## Use instead
    ```python
    def load(path):
        with open(path) as f:
            return json.load(f)
    ```

    ## References
    - [The `with` statement](https://docs.python.org/3/reference/compound_stmts.html#with)
    """

    id = "LK401"
    name = "unclosed-file"
    openers = FILE_OPENERS
    advice = "open it in a `with` block"
    message = "file is opened outside `with` and never closed"

    VALID = [
        Valid(
            """
            def read(path):
                with open(path) as f:
                    return f.read()
            """
        ),
        Valid(
            """
            def read(path):
                f = open(path)
                try:
                    return f.read()
                finally:
                    f.close()
            """
        ),
        Valid(
            """
            def open_log(path):
                return open(path, "a")
            """
        ),
        Valid(
            """
            class Log:
                def __init__(self, path):
                    self._file = open(path, "a")

                def close(self):
                    self._file.close()
            """
        ),
        Valid(
            """
            def first_line(path):
                f = open(path)
                line = f.readline()  # nothing but the file's own methods before the close
                f.close()
                return line
            """
        ),
        Valid(
            """
            import sys

            def convert(src, dst):
                dst.write(src.read().upper())

            def run_tool():
                # Parses the process's own arguments: the program's entry point, whatever
                # its name, and the process exit closes what it leaves open.
                source = open(sys.argv[1])
                convert(source, sys.stdout)

            if __name__ == "__main__":
                run_tool()
            """
        ),
        Valid(
            """
            import os
            import tempfile

            def write_atomically(data, directory):
                fd, path = tempfile.mkstemp(dir=directory)
                with os.fdopen(fd, "wb") as fh:  # the file object takes the descriptor over
                    fh.write(data)
                return path
            """
        ),
        Valid(
            """
            def open_page(path):
                try:
                    f = open(path, "rb")
                except OSError:  # the open itself failed: nothing to close
                    return None
                return f
            """
        ),
        Valid(
            """
            import os

            class Tail:
                def __init__(self, path):
                    self.path = path
                    self.fh = None
                    self._open()

                def _open(self):
                    if self.fh is not None:
                        self.fh.close()  # closed before it is replaced
                    self.fh = open(self.path, "rb")

                def readline(self):
                    line = self.fh.readline()
                    if not line:
                        self._open()
                    return line

                def close(self):
                    self.fh.close()
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def read(path):
                return open(path).read()
            """,
            line=2,
            fixed="""
            def read(path):
                with open(path) as handle:
                    return handle.read()
            """,
        ),
        Invalid(
            """
            import json

            def load(path):
                return json.load(open(path))
            """,
            line=4,
        ),
        Invalid(
            """
            def count(path):
                n = 0
                for line in open(path):
                    n += 1
                return n
            """,
            line=3,
        ),
        Invalid(
            """
            def dump(path, data):
                f = open(path, "w")
                f.write(data)
            """,
            line=2,
        ),
        Invalid(
            """
            from pathlib import Path

            def ignore_patterns(directory):
                path = Path(directory) / ".ignore"
                return tuple(line.strip() for line in path.open())
            """,
            line=5,
        ),
        Invalid(
            """
            import shutil
            from urllib.request import urlopen

            def download(url, dest):
                out = open(dest, "wb")
                with urlopen(url, timeout=30) as resp:
                    shutil.copyfileobj(resp, out)  # a failed download skips the close
                out.close()
            """,
            line=5,
        ),
        Invalid(
            """
            from pathlib import Path

            def first_line(p: Path):
                fh = p.open()
                return fh.readline()
            """,
            line=4,
        ),
        Invalid(
            """
            def upload(session, url, path):
                fh = open(path, "rb")
                resp = session.put(url, data=fh, timeout=60)  # lent for the call; raises on errors
                fh.close()
                return resp
            """,
            line=2,
        ),
        Invalid(
            """
            import subprocess

            class Kernel:
                def __init__(self, argv, log_path):
                    self.log_fh = open(log_path, "ab")
                    self.proc = subprocess.Popen(argv, stderr=self.log_fh)  # the child gets a copy

                def stop(self):
                    self.proc.terminate()  # stops the child, forgets the log file
                    self.proc.wait()
            """,
            line=5,
        ),
        Invalid(
            """
            def send_photo(http, url, chat_id, path):
                # the dict lives for the call; nothing keeps or closes the file inside it
                return http.post(url, data={"chat_id": chat_id}, files={"photo": open(path, "rb")})
            """,
            line=3,
        ),
        Invalid(
            """
            import json
            import os
            import tempfile

            def write_debug_dump(payload):
                fd, path = tempfile.mkstemp(suffix=".json")  # a descriptor nobody closes
                os.write(fd, json.dumps(payload).encode())
                return path
            """,
            line=6,
        ),
        Invalid(
            """
            import fcntl

            def acquire(path):
                fh = open(path, "w")
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return None  # the handle is dropped open, once per busy lock
                return fh
            """,
            line=4,
        ),
        Invalid(
            """
            import os

            class Tail:
                def __init__(self, path):
                    self.path = path
                    self._open()

                def _open(self):
                    self.fh = open(self.path, "rb")  # on rotation the old handle is dropped open
                    self.inode = os.fstat(self.fh.fileno()).st_ino

                def readline(self):
                    line = self.fh.readline()
                    if not line and os.stat(self.path).st_ino != self.inode:
                        self._open()
                    return line

                def close(self):
                    self.fh.close()
            """,
            line=9,
        ),
    ]
