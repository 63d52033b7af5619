"""Checks that confine a value to a fixed set before it is used.

``if hook not in HOOKS: raise``, ``if status < 100 or status > 599: status = 0``,
``handler = COMMANDS[name]``: after any of these the name holds one of finitely many
values, whatever the caller passed.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from leakscan.analyses.exprs import dotted, is_literal, source
from leakscan.analyses.index import ModuleIndex, children_of


def checks_before(
    statements: list[cst.BaseStatement],
    name: str,
    exits: tuple[type[cst.CSTNode], ...],
    fixed: Fixed | None = None,
) -> bool:
    """One of ``statements`` turns away (or replaces) any ``name`` outside a fixed set.
    ``fixed`` says which collections are fixed (default: ``collection``)."""
    fixed = fixed or collection
    looked_up: set[str] = set()  # ``handler = COMMANDS.get(name)``: None when unknown
    for statement in statements:
        if isinstance(statement, cst.If):
            test = statement.test
            turned = rejects(test, name, fixed) or any(_is_missing(test, var) for var in looked_up)
            if turned and _turns_away(statement.body, name, exits):
                return True
            continue
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        if any(_looks_up(small, name, fixed) for small in statement.body):
            return True  # ``engine = create(TENANTS[tenant]["url"])``: KeyError for anything else
        for small in statement.body:
            if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                continue
            target, value = small.targets[0].target, small.value
            lookup = _lookup_of(value, name)
            if lookup is None or not fixed(lookup[0]):
                continue
            if lookup[1] == "subscript":
                return True  # ``COMMANDS[name]`` raises KeyError for anything else
            if isinstance(target, cst.Name):
                looked_up.add(target.value)
    return False


def confined(index: ModuleIndex, node: cst.CSTNode, name: str, fixed: Fixed) -> bool:
    """Where ``node`` runs, ``name`` is known to be in a fixed set: ``node`` sits inside
    ``if name in FIXED:``, or an earlier statement of an enclosing block turns other values
    away (``if name not in FIXED: raise``, ``handler = FIXED[name]``)."""
    child = node
    for ancestor in index.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(ancestor, cst.If) and child is ancestor.body and admits(ancestor.test, name, fixed):
            return True
        if isinstance(ancestor, (cst.IndentedBlock, cst.Module)) and isinstance(child, cst.BaseStatement):
            earlier = list(ancestor.body[: ancestor.body.index(child)])
            if checks_before(earlier, name, (cst.Return, cst.Raise, cst.Continue), fixed):
                return True
        child = ancestor
    return False


def _looks_up(node: cst.CSTNode, name: str, fixed: Fixed) -> bool:
    """``node`` always evaluates ``C[name]`` with ``C`` a fixed collection (not under a
    conditional, a lambda or a comprehension, which may skip it)."""
    if isinstance(
        node,
        (
            cst.IfExp,
            cst.BooleanOperation,
            cst.Lambda,
            cst.ListComp,
            cst.SetComp,
            cst.DictComp,
            cst.GeneratorExp,
        ),
    ):
        return False
    if isinstance(node, (cst.AssignTarget, cst.Del, cst.AugAssign)):
        # ``ONLINE[user] = now`` stores: it cannot raise KeyError (only the value may look up)
        value = node.value if isinstance(node, cst.AugAssign) else None
        return value is not None and _looks_up(value, name, fixed)
    if (
        isinstance(node, cst.Subscript)
        and len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Index)
        and _is_name(node.slice[0].slice.value, name)
        and fixed(node.value)
    ):
        return True
    return any(_looks_up(child, name, fixed) for child in children_of(node))


Fixed = Callable[[cst.BaseExpression], bool]


def collection(expr: cst.BaseExpression) -> bool:
    """A fixed collection: a literal one, a module constant (UPPER_CASE), or the modules
    the interpreter has (``sys.modules``)."""
    if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return all(is_literal(e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):  # ``{"c": "counter", "g": "gauge"}[code]``
        return all(isinstance(e, cst.DictElement) and is_literal(e.key) for e in expr.elements)
    if dotted(expr) in ("sys.modules", "sys.builtin_module_names", "sys.stdlib_module_names"):
        return True
    return (isinstance(expr, cst.Name) and is_literal(expr)) or (
        isinstance(expr, cst.Attribute) and expr.attr.value.isupper()
    )


def admits(test: cst.BaseExpression, name: str, fixed: Fixed | None = None) -> bool:
    """``name in HOOKS``, ``100 <= name <= 599``: true only for a value of a fixed set
    (also as one side of an ``and``)."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return admits(test.left, name, fixed) or admits(test.right, name, fixed)
    if not isinstance(test, cst.Comparison):
        return False
    if len(test.comparisons) == 1:
        only = test.comparisons[0]
        return (
            isinstance(only.operator, cst.In)
            and _is_name(test.left, name)
            and (fixed or collection)(only.comparator)
        )
    operands = [test.left, *(c.comparator for c in test.comparisons)]
    return (
        len(operands) == 3
        and _is_name(operands[1], name)
        and is_literal(operands[0])
        and is_literal(operands[2])
        and all(isinstance(c.operator, (cst.LessThan, cst.LessThanEqual)) for c in test.comparisons)
    )


def rejects(test: cst.BaseExpression, name: str, fixed: Fixed | None = None) -> bool:
    """``name not in HOOKS``, ``not (0 <= name <= 32)``, ``name < 100 or name > 599``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return admits(test.expression, name, fixed)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        only = test.comparisons[0]
        return (
            isinstance(only.operator, cst.NotIn)
            and _is_name(test.left, name)
            and (fixed or collection)(only.comparator)
        )
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        if rejects(test.left, name, fixed) or rejects(test.right, name, fixed):
            return True  # ``if len(parts) < 4 or parts[3] not in METRICS: return``
        low = _bound_side(test.left, name)
        high = _bound_side(test.right, name)
        return {low, high} == {"below", "above"}
    return False


def _is_name(expr: cst.BaseExpression, name: str) -> bool:
    """``expr`` is the checked value: a name, or an expression spelled the same
    (``parts[3]``, ``msg.kind``)."""
    if isinstance(expr, cst.Name):
        return expr.value == name
    return isinstance(expr, (cst.Subscript, cst.Attribute)) and source(expr) == name


def _bound_side(test: cst.BaseExpression, name: str) -> str | None:
    """``name < 100`` is "below", ``name > 599`` is "above" (either operand order)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    op, right = test.comparisons[0].operator, test.comparisons[0].comparator
    less = isinstance(op, (cst.LessThan, cst.LessThanEqual))
    more = isinstance(op, (cst.GreaterThan, cst.GreaterThanEqual))
    if _is_name(test.left, name) and is_literal(right):
        return "below" if less else "above" if more else None
    if _is_name(right, name) and is_literal(test.left):
        return "above" if less else "below" if more else None
    return None


def _is_missing(test: cst.BaseExpression, var: str) -> bool:
    """``var is None`` or ``not var``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _is_name(test.expression, var)
    return (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.Is)
        and _is_name(test.left, var)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    )


def _lookup_of(value: cst.BaseExpression, name: str) -> tuple[cst.BaseExpression, str] | None:
    """``COMMANDS[name]`` -> (COMMANDS, "subscript"); ``COMMANDS.get(name)`` -> (COMMANDS, "get")."""
    if (
        isinstance(value, cst.Subscript)
        and len(value.slice) == 1
        and isinstance(value.slice[0].slice, cst.Index)
        and _is_name(value.slice[0].slice.value, name)
    ):
        return (value.value, "subscript")
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "get"
        and len(value.args) == 1
        and _is_name(value.args[0].value, name)
    ):
        return (value.func.value, "get")
    return None


def _turns_away(body: cst.BaseSuite, name: str, exits: tuple[type[cst.CSTNode], ...]) -> bool:
    """The branch leaves (``raise``, ``return``, ...) or replaces ``name`` with a constant."""
    smalls: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        smalls.extend(body.body)  # ``if hook not in HOOKS: raise ValueError(hook)``
    elif isinstance(body, cst.IndentedBlock):
        for statement in body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                smalls.extend(statement.body)
    return any(
        isinstance(small, exits)
        or (cst.Raise in exits and _never_returns(small))
        or (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and _is_name(small.targets[0].target, name)
            and is_literal(small.value)
        )
        for small in smalls
    )


# Calls that always raise or end the process: ``abort(405)`` in a Flask view.
_NEVER_RETURN = frozenset({"abort", "exit", "_exit", "quit", "fail"})


def _never_returns(small: cst.BaseSmallStatement) -> bool:
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    name = (dotted(small.value.func) or "").rsplit(".", 1)[-1]
    return name in _NEVER_RETURN
