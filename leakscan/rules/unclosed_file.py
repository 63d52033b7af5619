"""LK401 unclosed-file."""

from __future__ import annotations

from leakscan.analyses.index import ModuleIndex
from leakscan.analyses.resources import FILE_OPENERS, Resource, ResourceAnalysis
from leakscan.findings import Level
from leakscan.fixes.edits import Proposal
from leakscan.fixes.patterns import context_manager
from leakscan.rule import FileContext, Invalid, Rule, Valid


def _file_resources(index: ModuleIndex) -> ResourceAnalysis:
    return ResourceAnalysis(index, FILE_OPENERS)


class UnclosedFile(Rule):
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
    is reported with low confidence: the file leaks only when an exception happens
    between open and close.

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
    family = "resources"
    severity = Level.MEDIUM
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
    ]

    def check(self, ctx: FileContext) -> None:
        for resource in ctx.analysis(_file_resources).resources:
            kind = resource.opener.rsplit(".", 1)[-1] + "()"
            symbol = resource.scope.function_scope().qualname or "<module>"
            if resource.owner is not None:
                ctx.safe(
                    self,
                    resource.call,
                    symbol=symbol,
                    kind=kind,
                    verdict=_SLUGS.get(resource.owner, resource.owner),
                    detail=resource.detail,
                )
                continue
            ctx.report(
                self,
                resource.call,
                symbol=symbol,
                message=resource.detail,
                confidence=Level(resource.leak_confidence),
                proposal=_proposal(ctx, resource),
                suggestion="open it in a `with` block",
                kind=kind,
            )


_SLUGS = {
    "with": "inside-with",
    "finally": "closed-in-finally",
    "caller": "returned",
    "object": "owned-by-object",
    "escape": "handed-off",
    "closed": "closed-at-once",
}


def _proposal(ctx: FileContext, resource: Resource) -> Proposal | None:
    """A ``with`` block, when the handle is used once or bound and used in one block."""
    if resource.opener.endswith("sqlite3.connect"):
        return None  # ``with sqlite3.connect()`` commits but does not close: needs closing()
    if resource.symbol:
        return context_manager(ctx.index, resource.call, resource.symbol)
    if "used once" in resource.detail or "passed straight" in resource.detail:
        return context_manager(ctx.index, resource.call, None)
    return None
