"""Tests of a container's size: a guard that stops the growth (``if len(x) < N:``), a
check that only reports (``if len(x) > N: log.warning(...)``), a growth under a test of
the container's own contents (``if not self.lock: self.lock.append(Lock())``)."""

from __future__ import annotations

import re

import libcst as cst

from leakscan.analyses.container_model import Container
from leakscan.analyses.exprs import dotted
from leakscan.analyses.index import ModuleIndex, Scope


def size_checked(index: ModuleIndex, c: Container, node: cst.CSTNode, scope: Scope) -> bool:
    """``if len(x) < N: x.add(...)``: the growth sits under a test of the container's size."""
    target = dotted(c.target) if isinstance(c.target, cst.BaseExpression) else None
    if target is None:
        return False
    wanted = {f"len({target})"}
    home = scope.function_scope()
    for variable, measured in index.analysis(_length_locals).get(home, ()):
        if measured == f"len({target})":
            wanted.add(variable)
    for ancestor in index.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            break
        if isinstance(ancestor, (cst.If, cst.While)):
            test = "".join(index.module.code_for_node(ancestor.test).split())
            if any(w in test for w in wanted if w.startswith("len(")) or any(
                w in _identifiers(test) for w in wanted
            ):
                return True
            receiver = receiver_of(node)
            if isinstance(ancestor, cst.If) and receiver is not None and test == f"not{receiver}":
                return True  # ``if not self.lock: self.lock.append(Lock())``: filled once
    return False


def _length_locals(index: ModuleIndex) -> dict[Scope, list[tuple[str, str]]]:
    """``n = len(self.items)`` per function: the variable and the call, spaces removed."""
    found: dict[Scope, list[tuple[str, str]]] = {}
    for assign in index.assigns:
        if (
            isinstance(assign, cst.Assign)
            and isinstance(assign.value, cst.Call)
            and isinstance(assign.value.func, cst.Name)
            and assign.value.func.value == "len"
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
        ):
            home = index.scope_of[assign].function_scope()
            code = "".join(index.module.code_for_node(assign.value).split())
            found.setdefault(home, []).append((assign.targets[0].target.value, code))
    return found


def checked_first(index: ModuleIndex, growth: cst.Call) -> bool:
    """The growth runs only under a test that reads the container's own contents."""
    receiver = receiver_of(growth)
    if receiver is None:
        return False
    for ancestor in index.ancestors(growth):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(ancestor, cst.If) and _reads_contents(ancestor.test, receiver):
            return True
    return False


def enclosing_test(index: ModuleIndex, node: cst.CSTNode) -> cst.If | None:
    """The ``if`` whose test holds ``node`` (``if len(x) >= N:``), if any."""
    child = node
    for ancestor in index.ancestors(node):
        if isinstance(ancestor, cst.If):
            return ancestor if child is ancestor.test else None
        if isinstance(ancestor, (cst.BaseStatement, cst.BaseSmallStatement)):
            return None
        child = ancestor
    return None


def receiver_of(node: cst.CSTNode) -> str | None:
    """``self.items`` in ``self.items.append(x)``, ``self.items[k] = v``, ``self.items += y``."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return dotted(node.func.value)
    if isinstance(node, cst.Subscript):
        return dotted(node.value)
    if isinstance(node, cst.AugAssign):
        return dotted(node.target)
    return None


def _reads_contents(test: cst.BaseExpression, receiver: str) -> bool:
    """``receiver[2][0] != "shell"`` or ``"x" not in receiver``: a look at what it holds, not
    at its size (``if self.events:`` is true on every later call)."""
    pending: list[cst.CSTNode] = [test]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Subscript) and dotted(node.value) == receiver:
            return True
        if isinstance(node, cst.Comparison) and any(
            isinstance(c.operator, (cst.In, cst.NotIn)) and dotted(c.comparator) == receiver
            for c in node.comparisons
        ):
            return True
        pending.extend(node.children)
    return False


def _identifiers(code: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))


_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def capacity_check(index: ModuleIndex, length: cst.Call) -> bool:
    """``len(x) >= LIMIT``: the size ordered against a bound, not ``len(a) != len(b)``."""
    comparison = index.parent(length)
    if isinstance(comparison, cst.BinaryOperation) and isinstance(comparison.operator, cst.Modulo):
        # ``if len(x) % 1000 == 0:``: every thousand items
        return isinstance(index.parent(comparison), cst.Comparison)
    if not isinstance(comparison, cst.Comparison):
        return False
    operands = [comparison.left, *(target.comparator for target in comparison.comparisons)]
    if not any(isinstance(target.operator, _ORDERING) for target in comparison.comparisons):
        return False
    return not any(
        isinstance(other, cst.Call) and isinstance(other.func, cst.Name) and other.func.value == "len"
        for other in operands
        if other is not length
    )


_REPORTERS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print", "inc", "observe"}
)


def only_reports(check: cst.If) -> bool:
    """The branch only logs, warns or counts: every statement is such a call."""
    body = check.body
    if not isinstance(body, cst.IndentedBlock) or check.orelse is not None:
        return False
    for statement in body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
                return False
            func = small.value.func
            name = (
                func.attr.value
                if isinstance(func, cst.Attribute)
                else func.value
                if isinstance(func, cst.Name)
                else ""
            )
            if name not in _REPORTERS:
                return False
    return True
