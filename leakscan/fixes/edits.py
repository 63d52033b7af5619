"""Edits to a syntax tree, and applying a set of them in one pass.

A proposal is a list of edits keyed by the identity of the original nodes: replace a
node, insert statements before or after a statement, add an import, add a named
constant.  Applying them is one libcst transformation, so everything the edits do not
touch (formatting, comments, encoding, newline style) is kept byte for byte.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst


@dataclass(frozen=True)
class Replace:
    old: cst.CSTNode
    new: cst.CSTNode


@dataclass(frozen=True)
class Insert:
    """New statements before or after ``anchor`` (a statement directly in a body)."""

    anchor: cst.BaseStatement
    statements: tuple[cst.BaseStatement, ...]
    after: bool = False


@dataclass(frozen=True)
class Remove:
    statement: cst.BaseStatement


@dataclass(frozen=True)
class AddImport:
    """``from module import name`` (or ``import module`` when name is None), once."""

    module: str
    name: str | None = None


@dataclass(frozen=True)
class AddConstant:
    """``NAME = value`` at the top of a class body, or before ``before`` in the module."""

    name: str
    value: int
    owner: cst.ClassDef | None = None
    before: cst.BaseStatement | None = None


Edit = Replace | Insert | Remove | AddImport | AddConstant


@dataclass(frozen=True)
class Proposal:
    pattern: str
    applicability: str  # "safe" | "review"
    description: str
    edits: tuple[Edit, ...] = field(default_factory=tuple)


class _Apply(cst.CSTTransformer):
    def __init__(self, edits: Sequence[Edit], path: set[cst.CSTNode] | None = None) -> None:
        super().__init__()
        self.path = path  # when known: the only nodes whose subtrees hold an edit
        self.replace = {e.old: e.new for e in edits if isinstance(e, Replace)}
        self.before: dict[cst.CSTNode, list[cst.BaseStatement]] = {}
        self.after: dict[cst.CSTNode, list[cst.BaseStatement]] = {}
        self.removed = {e.statement for e in edits if isinstance(e, Remove)}
        self.class_constants: dict[cst.CSTNode, list[AddConstant]] = {}
        self.imports = list(dict.fromkeys(e for e in edits if isinstance(e, AddImport)))
        self.module_constants: set[str] = set()
        self.constant_anchors: set[cst.CSTNode] = set()
        for edit in edits:
            if isinstance(edit, Insert):
                target = self.after if edit.after else self.before
                target.setdefault(edit.anchor, []).extend(edit.statements)
            elif isinstance(edit, AddConstant):
                if edit.owner is not None:
                    self.class_constants.setdefault(edit.owner, []).append(edit)
                elif edit.before is not None and edit.name not in self.module_constants:
                    self.module_constants.add(edit.name)
                    self.constant_anchors.add(edit.before)
                    self.before.setdefault(edit.before, []).insert(0, _constant(edit))

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.path is not None and node not in self.path:
            return False  # nothing to change below: skip the subtree
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        replacement = self.replace.get(original_node)
        if replacement is not None:
            return replacement
        return super().on_leave(original_node, updated_node)  # type: ignore[return-value]

    def _body(self, original: Sequence[cst.CSTNode], updated: Sequence[cst.CSTNode]) -> list[cst.CSTNode]:
        body: list[cst.CSTNode] = []
        for old, new in zip(original, updated, strict=True):
            before = list(self.before.get(old, ()))
            if before and old in self.constant_anchors and isinstance(new, cst.BaseStatement):
                # A new module constant takes the blank lines (and comments) above its anchor; a
                # def or class keeps its own blank lines too.
                first = before[0]
                assert isinstance(first, cst.SimpleStatementLine)
                lines = getattr(new, "leading_lines", ())
                before[0] = first.with_changes(leading_lines=lines)
                if isinstance(new, cst.SimpleStatementLine):
                    new = new.with_changes(leading_lines=())
                else:
                    new = new.with_changes(leading_lines=[ln for ln in lines if ln.comment is None])
            body.extend(before)
            if old not in self.removed:
                body.append(new)
            body.extend(self.after.get(old, ()))
        return body

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.BaseSuite:
        body = self._body(original_node.body, updated_node.body)
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated_node.with_changes(body=body)

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        constants = self.class_constants.get(original_node)
        if not constants or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        existing = _bound_names(updated_node.body.body)
        new = [_constant(c) for c in _unique(constants) if c.name not in existing]
        body = list(updated_node.body.body)
        at = 1 if body and _is_docstring(body[0]) else 0
        following = body[at] if at < len(body) else None
        if isinstance(following, (cst.FunctionDef, cst.ClassDef)) and not following.leading_lines:
            body[at] = following.with_changes(
                leading_lines=[cst.EmptyLine(indent=False)]
            )  # a blank line before the def
        return updated_node.with_changes(
            body=updated_node.body.with_changes(body=body[:at] + new + body[at:])
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = self._body(original_node.body, updated_node.body)
        for imp in self.imports:
            body = _add_import(body, imp)
        return updated_node.with_changes(body=body)


def _constant(edit: AddConstant) -> cst.BaseStatement:
    return cst.parse_statement(f"{edit.name} = {edit.value}\n")


def _unique(constants: list[AddConstant]) -> list[AddConstant]:
    seen: dict[str, AddConstant] = {}
    for constant in constants:
        seen.setdefault(constant.name, constant)
    return list(seen.values())


def _bound_names(body: Sequence[cst.CSTNode]) -> set[str]:
    names: set[str] = set()
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    names.update(t.target.value for t in small.targets if isinstance(t.target, cst.Name))
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    names.add(small.target.value)
                elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
                    getattr(small, "names", None), cst.ImportStar
                ):
                    for alias in small.names:  # type: ignore[union-attr]
                        bound = alias.asname.name if alias.asname else alias.name
                        if isinstance(bound, cst.Name):
                            names.add(bound.value)
                        elif isinstance(bound, cst.Attribute):
                            names.add(cst.Module([]).code_for_node(bound).split(".")[0])
        elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            names.add(statement.name.value)
    return names


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
    )


def _add_import(body: list[cst.CSTNode], imp: AddImport) -> list[cst.CSTNode]:
    """Add the import after the module's leading imports (or its docstring), once."""
    wanted = imp.name or imp.module
    if wanted in _bound_names(body):
        return body
    statement = cst.parse_statement(
        f"from {imp.module} import {imp.name}\n" if imp.name else f"import {imp.module}\n"
    )
    position = 1 if body and _is_docstring(body[0]) else 0
    while position < len(body) and _is_import(body[position]):
        position += 1
    return [*body[:position], statement, *body[position:]]


def apply_edits(
    module: cst.Module, edits: Sequence[Edit], parents: Mapping[cst.CSTNode, cst.CSTNode] | None = None
) -> cst.Module:
    """Apply ``edits`` in one pass.  With the tree's ``parents`` map, only the paths from the
    root to the edited nodes are visited (the result is the same, much sooner)."""
    path: set[cst.CSTNode] | None = None
    if parents is not None:
        path = {module}
        for edit in edits:
            for node in _targets(edit):
                current: cst.CSTNode | None = node
                while current is not None and current not in path:
                    path.add(current)
                    current = parents.get(current)
    return module.visit(_Apply(edits, path))


def _targets(edit: Edit) -> tuple[cst.CSTNode, ...]:
    if isinstance(edit, Replace):
        return (edit.old,)
    if isinstance(edit, Insert):
        return (edit.anchor,)
    if isinstance(edit, Remove):
        return (edit.statement,)
    if isinstance(edit, AddConstant):
        return tuple(n for n in (edit.owner, edit.before) if n is not None)
    return ()


def unified_diff(path: str, old: str, new: str) -> str:
    """A ``git apply``-able diff of one file."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}", n=3
    )
    text = ""
    for line in lines:
        text += line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
    return text
