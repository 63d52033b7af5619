"""Unclosed files: ``f = open(p)`` ... ``f.close()`` and ``open(p).read()`` become ``with`` blocks."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.index import ModuleIndex
from leakscan.fixes.common import body_statement, code, free_name
from leakscan.fixes.edits import Edit, Proposal, Remove, Replace


def context_manager(index: ModuleIndex, call: cst.Call, handle_name: str | None) -> Proposal | None:
    """``data = open(p).read()`` or ``f = open(p)`` ... ``f.close()``: a ``with`` block."""
    if handle_name is None:
        return _wrap_expression(index, call)
    return _wrap_binding(index, call, handle_name)


def _wrap_expression(index: ModuleIndex, call: cst.Call) -> Proposal | None:
    statement = body_statement(index, call)
    if statement is None or not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    scope = index.scope(call).function_scope()
    name = free_name(index, scope, ("handle", "stream", "resource", "opened"))
    with_line = cst.parse_statement(f"with {code(index, call)} as {name}:\n    pass\n")
    assert isinstance(with_line, cst.With)
    inner = statement.visit(_ReplaceNode(call, cst.Name(name)))
    assert isinstance(inner, cst.SimpleStatementLine)
    new = with_line.with_changes(
        body=cst.IndentedBlock([inner.with_changes(leading_lines=())]),
        leading_lines=statement.leading_lines,
    )
    return Proposal("context-manager", "safe", "open it in a `with` block", (Replace(statement, new),))


def _wrap_binding(index: ModuleIndex, call: cst.Call, name: str) -> Proposal | None:
    statement = body_statement(index, call)
    if statement is None or not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1 or assign.value is not call:
        return None
    target = assign.targets[0].target
    if not isinstance(target, cst.Name) or target.value != name:
        return None
    block = index.parent(statement)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return None
    body = list(block.body)
    start = body.index(statement)
    scope = index.scope(call).function_scope()
    last = start
    close: cst.BaseStatement | None = None
    for use in index.names.get(name, ()):
        if use is assign.targets[0].target or index.scope(use).function_scope() is not scope:
            continue
        holder = _top(index, use, block)
        if holder is None:
            return None  # used outside this block
        position = body.index(holder)
        if position < start:
            continue
        last = max(last, position)
        if _is_close(holder, name):
            close = holder
    if last == start:
        return None
    inner = [s for s in body[start + 1 : last + 1] if s is not close]
    if not inner:
        inner = [cst.SimpleStatementLine([cst.Pass()])]
    with_line = cst.parse_statement(f"with {code(index, call)} as {name}:\n    pass\n")
    assert isinstance(with_line, cst.With)
    new = with_line.with_changes(body=cst.IndentedBlock(list(inner)), leading_lines=statement.leading_lines)
    edits: list[Edit] = [Replace(statement, new)]
    edits += [Remove(s) for s in body[start + 1 : last + 1]]
    return Proposal(
        "context-manager", "safe", "open it in a `with` block that ends after its last use", tuple(edits)
    )


def _top(index: ModuleIndex, node: cst.CSTNode, block: cst.CSTNode) -> cst.BaseStatement | None:
    current: cst.CSTNode | None = node
    while current is not None:
        parent = index.parent(current)
        if parent is block:
            return current if isinstance(current, cst.BaseStatement) else None
        current = parent
    return None


def _is_close(statement: cst.CSTNode, name: str) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    expr = statement.body[0]
    return (
        isinstance(expr, cst.Expr)
        and isinstance(expr.value, cst.Call)
        and isinstance(expr.value.func, cst.Attribute)
        and expr.value.func.attr.value == "close"
        and isinstance(expr.value.func.value, cst.Name)
        and expr.value.func.value.value == name
    )


class _ReplaceNode(cst.CSTTransformer):
    def __init__(self, old: cst.CSTNode, new: cst.CSTNode) -> None:
        super().__init__()
        self.old = old
        self.new = new

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        if original_node is self.old:
            return self.new
        return updated_node
