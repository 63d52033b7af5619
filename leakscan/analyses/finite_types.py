"""Parameters and values with finitely many possibilities, read from the code.

``role: Role`` (an Enum of the module), ``Literal[...]``, ``type[Row]``, a ``job: Job``
whose objects are all made at import, ``region=Region.US``, a flag only tested for
truth, a class generated per key: each takes one of a fixed set of values, whatever the
callers pass.
"""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.exprs import all_params, dotted
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.analyses.phases import Phases

_ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"})


class FiniteTypes:
    def __init__(self, index: ModuleIndex) -> None:
        self.index = index

    def finite_type(self, annotation: cst.BaseExpression) -> bool:
        """``Role`` (an Enum of this module), ``bool``, ``Literal[...]``, ``type[Row]``, and
        ``Optional``/``|`` unions of those."""
        if isinstance(annotation, cst.SimpleString):  # ``"Job"``: a forward reference
            text = annotation.evaluated_value
            return isinstance(text, str) and text.isidentifier() and self.finite_type(cst.Name(text))
        if isinstance(annotation, cst.Name):
            return (
                annotation.value in ("bool", "type", "None")
                or self.enum(annotation.value)
                or self.index.analysis(Phases).made_at_import(annotation.value)
            )
        if isinstance(annotation, cst.Subscript):
            head = (dotted(annotation.value) or "").rsplit(".", 1)[-1]
            if head in ("Literal", "type", "Type"):
                return True
            if head in ("Optional", "Union"):
                return all(
                    isinstance(e.slice, cst.Index) and self.finite_type(e.slice.value)
                    for e in annotation.slice
                )
            return False
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            return self.finite_type(annotation.left) and self.finite_type(annotation.right)
        return False

    def key_type_of(self, annotation: cst.BaseExpression | None) -> bool:
        """``dict[Role, ...]``, ``set[Kind]``, ``Counter[Literal[...]]``: keys of a finite type."""
        if not isinstance(annotation, cst.Subscript) or not annotation.slice:
            return False
        head = (dotted(annotation.value) or "").rsplit(".", 1)[-1].lower()
        first = annotation.slice[0].slice
        return (
            head in ("dict", "defaultdict", "ordereddict", "counter", "set", "frozenset", "mapping")
            and isinstance(first, cst.Index)
            and self.finite_type(first.value)
        )

    def enum(self, name: str) -> bool:
        scope = self.index.classes.get(name)
        node = scope.node if scope is not None else None
        return isinstance(node, cst.ClassDef) and any(
            (dotted(base.value) or "").rsplit(".", 1)[-1] in _ENUM_BASES for base in node.bases
        )

    def enum_default(self, function: Scope, param: str) -> bool:
        """``def fetch(rows, *, region=Region.US)``: an unannotated parameter whose default
        is a member of an Enum of the module takes that Enum's values."""
        node = function.node
        if not isinstance(node, cst.FunctionDef):
            return False
        default = next(
            (p.default for p in all_params(node) if p.name.value == param),
            None,
        )
        return (
            isinstance(default, cst.Attribute)
            and isinstance(default.value, cst.Name)
            and self.enum(default.value.value)
        )

    def flag(self, function: Scope, param: str) -> bool:
        """``def platform(aliased=0, terse=0)``: a parameter that defaults to a truth value
        and is only ever tested for truth is a flag, whatever type the caller passes."""
        node = function.node
        if not isinstance(node, cst.FunctionDef):
            return False
        default = next(
            (p.default for p in (*node.params.params, *node.params.kwonly_params) if p.name.value == param),
            None,
        )
        if not (
            (isinstance(default, cst.Name) and default.value in ("True", "False"))
            or (isinstance(default, cst.Integer) and default.value in ("0", "1"))
        ):
            return False
        tested = False
        for use in self.index.names.get(param, ()):
            if self.index.scope(use).function_scope() is not function:
                continue
            parent = self.index.parent(use)
            if isinstance(parent, cst.Param):
                continue
            if isinstance(parent, cst.Element) and isinstance(self.index.parent(parent), cst.Tuple):
                continue  # part of a key: ``cache[(aliased, terse)]``
            if (
                (isinstance(parent, (cst.If, cst.While, cst.IfExp)) and parent.test is use)
                or (isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not))
                or isinstance(parent, cst.BooleanOperation)
            ):
                tested = True
                continue
            return False
        return tested


def generated_class(index: ModuleIndex, value: cst.BaseExpression | None, function: Scope) -> bool:
    """The value stored is a class ``function`` builds: ``type(name, (Base,), ns)`` or a
    ``class`` statement of its own (``_cache[key] = ProxyType``).  Code is generated per
    kind of thing, not per piece of data."""
    if isinstance(value, cst.Name):
        for use in index.names.get(value.value, ()):
            if index.scope(use).function_scope() is not function:
                continue
            parent = index.parent(use)
            if isinstance(parent, cst.ClassDef) and parent.name is use:
                return True
            if isinstance(parent, cst.AssignTarget):
                assign = index.parent(parent)
                if isinstance(assign, cst.Assign) and _type_call(assign.value):
                    return True
        return False
    return value is not None and _type_call(value)


def _type_call(expr: cst.BaseExpression) -> bool:
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "type"
        and len(expr.args) == 3
    )


def annotation_of(function: Scope, param: str) -> cst.BaseExpression | None:
    node = function.node
    if not isinstance(node, cst.FunctionDef):
        return None
    for p in all_params(node):
        if p.name.value == param and p.annotation is not None:
            return p.annotation.annotation
    return None
