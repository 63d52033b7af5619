"""Patches for append-only lists: ``deque(maxlen=N)`` where every use allows it, else an
in-place trim after each growth site (``del x[:-N]``, which keeps aliases valid)."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.container_model import Container, Site
from leakscan.analyses.index import ModuleIndex
from leakscan.fixes.common import Flagged, Sizer, body_statement, code, simple
from leakscan.fixes.edits import AddImport, Edit, Insert, Proposal, Replace

_DEQUE_METHODS = frozenset(
    {
        "append",
        "appendleft",
        "extend",
        "extendleft",
        "count",
        "index",
        "clear",
        "copy",
        "remove",
        "reverse",
        "rotate",
        "popleft",
        "insert",
    }
)
_DEQUE_READERS = frozenset(
    {
        "builtins." + n
        for n in [
            "len",
            "list",
            "tuple",
            "sorted",
            "iter",
            "reversed",
            "sum",
            "min",
            "max",
            "any",
            "all",
            "enumerate",
            "set",
            "bool",
        ]
    }
)


def sequence_proposal(flagged: Flagged) -> Proposal | None:
    index, container, refs, growth = flagged.index, flagged.container, flagged.refs, flagged.growth
    escapes, size = flagged.escapes, flagged.size
    if container.kind not in ("list", "deque"):
        return None
    sizer = Sizer(index, container, size)
    constant = sizer.constant()
    bound = sizer.reference(container.scope)
    if bound is None:
        return None
    if container.kind == "deque" and isinstance(container.value, cst.Call):
        call = container.value
        tight = cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        )
        maxlen = cst.Arg(cst.parse_expression(bound), keyword=cst.Name("maxlen"), equal=tight)
        new_call = call.with_changes(args=[*call.args, maxlen])
        edits: list[Edit] = [Replace(call, new_call)]
        if constant is not None:
            edits.append(constant)
        return Proposal(
            "deque-maxlen", "safe", f"give the deque a maxlen ({sizer.name} = {size})", tuple(edits)
        )
    if not escapes and _deque_compatible(index, container, refs) and _empty_list(container.value):
        deque_name = _deque_spelling(index)
        new_value = cst.parse_expression(f"{deque_name}(maxlen={bound})")
        edits = [Replace(container.value, new_value)]
        if deque_name == "deque":
            edits.append(AddImport("collections", "deque"))
        if constant is not None:
            edits.append(constant)
        return Proposal(
            "deque-maxlen",
            "safe",
            f"keep the last {sizer.name} items: collections.deque(maxlen=...) drops the oldest",
            tuple(edits),
        )
    return _rolling_window(index, container, growth, escapes, sizer, constant)


def _empty_list(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.List):
        return not value.elements
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "list"
        and not value.args
    )


def _deque_spelling(index: ModuleIndex) -> str:
    if index.imports.get("deque") == "collections.deque":
        return "deque"
    for local, qualified in index.imports.items():
        if qualified == "collections":
            return f"{local}.deque"
    return "deque"


def _deque_compatible(index: ModuleIndex, container: Container, refs: list[cst.BaseExpression]) -> bool:
    """Every use of the list is also valid on a deque: no slicing, sort, ``+``, unseen calls."""
    for ref in refs:
        if ref is container.target:
            continue
        parent = index.parent(ref)
        if isinstance(parent, cst.Attribute) and parent.value is ref:
            call = index.parent(parent)
            method = parent.attr.value
            if not (isinstance(call, cst.Call) and call.func is parent):
                return False
            if method == "pop":
                if call.args:
                    return False
                continue
            if method not in _DEQUE_METHODS:
                return False
            continue
        if isinstance(parent, cst.Subscript) and parent.value is ref:
            if any(isinstance(el.slice, cst.Slice) for el in parent.slice):
                return False
            continue
        if isinstance(parent, cst.Arg):
            call = index.parent(parent)
            if not (isinstance(call, cst.Call) and index.qualified_name(call.func) in _DEQUE_READERS):
                return False
            continue
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is ref:
            continue
        if isinstance(parent, cst.ComparisonTarget) and isinstance(parent.operator, (cst.In, cst.NotIn)):
            continue
        if isinstance(parent, (cst.If, cst.While)) and parent.test is ref:
            continue
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            continue
        if isinstance(parent, cst.AssignTarget) and parent.target is ref:
            return False  # reassigned (perhaps to a list): keep it a list
        return False
    return True


def _rolling_window(
    index: ModuleIndex,
    container: Container,
    growth: tuple[Site, ...],
    escapes: bool,
    sizer: Sizer,
    constant: Edit | None,
) -> Proposal | None:
    edits: list[Edit] = []
    for site in growth:
        node = site.node
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("append", "extend", "insert")
        ):
            target = node.func.value
        elif isinstance(node, cst.AugAssign):
            target = node.target
        else:
            return None  # heappush, bisect.insort: a slice would break their order
        statement = body_statement(index, node)
        bound = sizer.reference(site.scope)
        if statement is None or bound is None or not simple(target):
            return None
        trim = cst.parse_statement(f"del {code(index, target)}[:-{bound}]\n")
        edits.append(Insert(statement, (trim,), after=True))
    if not edits:
        return None
    if constant is not None:
        edits.append(constant)
    return Proposal(
        "rolling-window",
        "review" if escapes else "safe",
        f"trim to the last {sizer.name} items after each append (del x[:-N] keeps aliases valid)",
        tuple(edits),
    )
