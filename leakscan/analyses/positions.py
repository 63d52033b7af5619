"""Line and column numbers for a handful of nodes, at the cost of one code generation.

libcst's ``PositionProvider`` records a range for every node of the module, which
costs about twice the parse.  Findings need positions for a few nodes in a few files,
so this module regenerates the source once, notes the token indices where the wanted
nodes start and end, and converts only those indices to line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")


@dataclass(frozen=True, slots=True)
class Span:
    """1-based line and column of the start and end of a node."""

    line: int
    column: int
    end_line: int
    end_column: int


class _AllMarked(Exception):
    """Raised to stop code generation once every wanted node has been seen."""


@dataclass
class _MarkingState(CodegenState):
    targets: frozenset[cst.CSTNode] = frozenset()
    marks: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        if node not in self.targets:
            yield
            return
        start = len(self.tokens)
        yield
        self.marks[node] = (start, len(self.tokens))
        if len(self.marks) == len(self.targets):
            raise _AllMarked  # the rest of the file is not needed


def spans(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[cst.CSTNode, Span]:
    """Positions of ``nodes`` (statements and expressions) in ``module``."""
    targets = frozenset(nodes)
    if not targets:
        return {}
    state = _MarkingState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        targets=targets,
    )
    with suppress(_AllMarked):
        module._codegen(state)
    tokens = state.tokens
    wanted: dict[int, tuple[int, int]] = {}
    for start, end in state.marks.values():
        wanted[start] = (0, 0)
        wanted[_trim_end(tokens, start, end)] = (0, 0)
    line, column = 1, 0
    for i, token in enumerate(tokens):
        if i in wanted:
            wanted[i] = (line, column)
        if "\n" in token or "\r" in token:
            pieces = _NEWLINE.split(token)
            line += len(pieces) - 1
            column = len(pieces[-1])
        else:
            column += len(token)
    if len(tokens) in wanted:
        wanted[len(tokens)] = (line, column)
    result: dict[cst.CSTNode, Span] = {}
    for node, (start, end) in state.marks.items():
        (l1, c1), (l2, c2) = wanted[start], wanted[_trim_end(tokens, start, end)]
        result[node] = Span(l1, c1 + 1, l2, c2 + 1)
    return result


def _trim_end(tokens: list[str], start: int, end: int) -> int:
    """Move the end index back over trailing whitespace and newlines."""
    while end > start + 1 and not tokens[end - 1].strip():
        end -= 1
    return end
