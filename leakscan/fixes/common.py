"""What every patch builder shares: where a statement can go, what is safe to repeat,
and the named constant that holds the bound (``MAX_CACHE_SIZE = 1000``, not a magic number)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from leakscan.analyses.container_model import Container, Site
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.fixes.edits import AddConstant, Edit


def constant_name(container_name: str, suffix: str = "SIZE") -> str:
    words = [w for w in re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", container_name).upper().split("_") if w]
    return "MAX_" + "_".join(words + ([suffix] if suffix and suffix not in words else []))


def body_statement(index: ModuleIndex, node: cst.CSTNode) -> cst.BaseStatement | None:
    """The statement line holding ``node`` directly in a body, if ``node`` is a simple statement's part."""
    current: cst.CSTNode | None = node
    while current is not None:
        parent = index.parent(current)
        if isinstance(parent, (cst.IndentedBlock, cst.Module)) and isinstance(
            current, cst.SimpleStatementLine
        ):
            return current
        if isinstance(
            current,
            (
                cst.BaseCompoundStatement,
                cst.Lambda,
                cst.ListComp,
                cst.SetComp,
                cst.DictComp,
                cst.GeneratorExp,
                cst.IfExp,
                cst.BooleanOperation,
            ),
        ):
            return None  # growth inside a condition or an expression: no safe place for a statement
        current = parent
    return None


def simple(expr: cst.BaseExpression | None) -> bool:
    """Side-effect free and cheap to evaluate twice: names, attributes, literals, tuples of them."""
    if expr is None:
        return False
    if isinstance(expr, (cst.Name, cst.SimpleString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Attribute):
        return simple(expr.value)
    if isinstance(expr, cst.Subscript):
        return simple(expr.value) and all(
            isinstance(el.slice, cst.Index) and simple(el.slice.value) for el in expr.slice
        )
    if isinstance(expr, cst.Tuple):
        return all(simple(el.value) for el in expr.elements)
    return False


class Sizer:
    """Where the bound lives and how code refers to it."""

    def __init__(self, index: ModuleIndex, container: Container, size: int) -> None:
        self.index = index
        self.container = container
        self.size = size
        self.name = constant_name(container.name)
        self.bare = False
        self.existing = self._author_bound()
        if self.existing is not None:
            self.name = self.existing

    def _author_bound(self) -> str | None:
        """The limit of the container's own size check (``len(x) >= self.MAX_BATCH``), if named."""
        for site in self.container.of_kind("check"):
            test = site.node.test if isinstance(site.node, cst.If) else None
            if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
                continue
            limit = test.comparisons[0].comparator
            name = limit.attr.value if isinstance(limit, cst.Attribute) else getattr(limit, "value", None)
            if isinstance(limit, (cst.Name, cst.Attribute)) and isinstance(name, str) and name.isupper():
                self.bare = isinstance(limit, cst.Name)  # a module constant, not an attribute
                return name
        return None

    def constant(self) -> Edit | None:
        if self.existing is not None:
            return None  # the author's own constant
        owner = self.container.owner
        if owner is not None:
            node = owner.node
            assert isinstance(node, cst.ClassDef)
            if self.name in owner.bindings:
                return None
            return AddConstant(self.name, self.size, owner=node)
        if self.name in self.index.root.bindings:
            return None
        anchor = body_statement(self.index, self.container.target)
        return AddConstant(self.name, self.size, before=anchor) if anchor is not None else None

    def reference(self, scope: Scope) -> str | None:
        """How code in ``scope`` spells the bound."""
        owner = self.container.owner
        if owner is None or self.bare:
            return self.name
        method = scope.function_scope()
        if scope.kind == "class" or method is owner:
            return self.name
        if method.class_scope is not None and method.self_name:
            return f"{method.self_name}.{self.name}"
        if method.class_scope is not None and method.cls_name:
            return f"{method.cls_name}.{self.name}"
        return f"{owner.name}.{self.name}"


def code(index: ModuleIndex, node: cst.CSTNode) -> str:
    return index.module.code_for_node(node).strip()


def free_name(index: ModuleIndex, scope: Scope, candidates: tuple[str, ...]) -> str:
    """The first of ``candidates`` not bound in ``scope`` nor used anywhere in the module."""
    for candidate in candidates:
        if candidate not in scope.bindings and candidate not in index.names:
            return candidate
    return "leakscan_" + candidates[0]


@dataclass(frozen=True)
class Flagged:
    """A flagged container and what a patch builder needs to know of it."""

    index: ModuleIndex
    container: Container
    refs: list[cst.BaseExpression]  # every reference to it in the module
    growth: tuple[Site, ...]  # the sites that need a bound
    escapes: bool  # handed to code leakscan cannot see
    size: int  # the bound, from configuration
    siblings: Sequence[Container] = ()  # the file's other containers
