"""Small helpers over libcst expressions shared by the analyses."""

from __future__ import annotations

import libcst as cst


def dotted(expr: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


def dotted_names(expr: cst.CSTNode) -> set[str]:
    """Every name and attribute chain in ``expr``: ``{"self", "self.idx", "n"}``."""
    found: set[str] = set()
    pending: list[cst.CSTNode] = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, (cst.Name, cst.Attribute)):
            name = dotted(node)
            if name is not None:
                found.add(name)
        pending.extend(node.children)
    return found


def contains(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    """``node`` is ``tree`` or one of its descendants."""
    return tree is node or any(contains(child, node) for child in tree.children)


def is_literal(expr: cst.BaseExpression) -> bool:
    """A constant the reader can see: strings, numbers, None/True/False, tuples of those,
    or an UPPER_CASE name (a module constant by convention)."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Name):
        return expr.value in ("None", "True", "False") or (expr.value.isupper() and len(expr.value) > 1)
    if isinstance(expr, cst.Tuple):
        return all(is_literal(el.value) for el in expr.elements)
    if isinstance(expr, cst.UnaryOperation):
        return is_literal(expr.expression)
    return False


def call_arg(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The argument bound to ``keyword`` or passed at ``position`` (0-based), if any."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if len(positional) > position:
        return positional[position].value
    return None


def is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def is_zero(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Integer) and int(expr.value, 0) == 0


def is_true(expr: cst.BaseExpression) -> bool:
    """``True``, ``1`` or any other non-zero integer literal."""
    if isinstance(expr, cst.Name):
        return expr.value == "True"
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0) != 0
    return False


def subscript_key(node: cst.Subscript) -> cst.BaseExpression | None:
    """The index expression of ``x[key]`` (None for slices and multi-element subscripts)."""
    if len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    if isinstance(element, cst.Index):
        return element.value
    return None


def is_slice(node: cst.Subscript) -> bool:
    return any(isinstance(el.slice, cst.Slice) for el in node.slice)


_EMPTY = cst.Module([])


def source(node: cst.CSTNode) -> str:
    """The code of ``node`` as written, to compare two expressions (``parts[3]``)."""
    return _EMPTY.code_for_node(node)


def all_params(function: cst.FunctionDef) -> list[cst.Param]:
    """Positional-only, ordinary and keyword-only parameters, in order (no ``*args``)."""
    params = function.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]
