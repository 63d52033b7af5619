"""One fast walk over a module that every analysis shares.

libcst's visitor machinery and metadata providers cost several times the parse
itself; this walk reads the dataclass fields of each node directly, skips
whitespace and punctuation, and records only the facts the analyses need:
parents, lexical scopes, name bindings, imports, and where the interesting
statements are.  Positions are not computed here (see ``positions.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import libcst as cst

ScopeKind = Literal["module", "class", "function", "lambda", "comprehension"]
T = TypeVar("T")

# Fields that never hold anything an analysis looks at.
_SKIPPED_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "header",
        "footer",
        "leading_lines",
        "lines_after_decorators",
        "semicolon",
        "comma",
        "newline",
        "operator",
        "equal",
        "colon",
        "star",
        "dot",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "asynchronous",
        "indent",
        "whitespace_after_star",
        "first_colon",
        "second_colon",
    }
)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields_of(node_type: type) -> tuple[str, ...]:
    names = _FIELDS.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _SKIPPED_FIELDS and "whitespace" not in f.name
        )
        _FIELDS[node_type] = names
    return names


def _all_node_types() -> frozenset[type]:
    found: set[type] = set()
    pending: list[type] = [cst.CSTNode]
    while pending:
        current: type = pending.pop()
        subclasses: list[type] = current.__subclasses__()
        for sub in subclasses:
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return frozenset(found)


# ``type(x) in _NODE_TYPES`` is a set lookup; ``isinstance(x, CSTNode)`` goes through
# ABCMeta and costs several times more on the hot path.
_NODE_TYPES = _all_node_types()


def children_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The non-trivial children of ``node``, in source order of their fields."""
    found: list[cst.CSTNode] = []
    for name in _fields_of(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind in _NODE_TYPES:
            found.append(value)
        elif kind is tuple or kind is list:
            found.extend(item for item in value if type(item) in _NODE_TYPES)
    return found


def descendants(
    node: cst.CSTNode, prune: Callable[[cst.CSTNode], bool] | None = None
) -> Iterator[cst.CSTNode]:
    """``node`` and every node inside it, in source order.  Below a node ``prune`` accepts
    the walk does not go (the node itself is still given)."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        if prune is None or current is node or not prune(current):
            pending.extend(reversed(children_of(current)))


def iter_children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The non-trivial children of ``node``, in source order of their fields."""
    return iter(children_of(node))


# Methods whose first parameter is the class, without a decorator.
_IMPLICIT_CLASSMETHODS = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})


@dataclass(eq=False)
class Scope:
    """A lexical scope: the module, a class body, a function, a lambda or a comprehension."""

    kind: ScopeKind
    node: cst.CSTNode
    name: str
    parent: Scope | None
    qualname: str = ""
    bindings: set[str] = field(default_factory=set)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    params: list[str] = field(default_factory=list)
    is_generator: bool = False
    is_async: bool = False
    decorators: list[cst.Decorator] = field(default_factory=list)

    @property
    def class_scope(self) -> Scope | None:
        """For a method, the class it is defined in."""
        return self.parent if self.parent is not None and self.parent.kind == "class" else None

    @property
    def self_name(self) -> str | None:
        """The name of the instance parameter of a plain method (usually ``self``)."""
        if self.kind != "function" or self.class_scope is None or not self.params:
            return None
        if self.has_decorator("staticmethod", "classmethod") or self.name in _IMPLICIT_CLASSMETHODS:
            return None
        return self.params[0]

    @property
    def cls_name(self) -> str | None:
        """The name of the class parameter of a classmethod (usually ``cls``)."""
        if (
            self.kind == "function"
            and self.class_scope is not None
            and self.params
            and (self.has_decorator("classmethod") or self.name in _IMPLICIT_CLASSMETHODS)
        ):
            return self.params[0]
        return None

    def has_decorator(self, *names: str) -> bool:
        for deco in self.decorators:
            expr = deco.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            if isinstance(expr, cst.Name) and expr.value in names:
                return True
            if isinstance(expr, cst.Attribute) and expr.attr.value in names:
                return True
        return False

    def function_scope(self) -> Scope:
        """The nearest enclosing function or module (comprehensions and lambdas are see-through)."""
        scope: Scope = self
        while scope.kind in ("comprehension", "lambda") and scope.parent is not None:
            scope = scope.parent
        return scope

    def resolves_to_module(self, name: str) -> bool:
        """Whether a load of ``name`` in this scope reaches the module-level binding."""
        scope: Scope | None = self
        while scope is not None and scope.kind != "module":
            if name in scope.globals:
                return True
            if name in scope.nonlocals:
                return False
            # A class body's names are invisible to the functions nested in it.
            if name in scope.bindings and (scope is self or scope.kind != "class"):
                return False
            scope = scope.parent
        return True


@dataclass
class ModuleIndex:
    """Facts gathered by one walk over a module."""

    module: cst.Module
    root: Scope
    parents: dict[cst.CSTNode, cst.CSTNode]
    scope_of: dict[cst.CSTNode, Scope]
    scopes: list[Scope]
    imports: dict[str, str]
    names: dict[str, list[cst.Name]]
    attributes: dict[str, list[cst.Attribute]]
    calls: list[cst.Call]
    whiles: list[cst.While]
    returns: list[cst.Return]
    assigns: list[cst.Assign | cst.AnnAssign | cst.AugAssign]
    classes: dict[str, Scope]
    star_imports: bool = False
    _derived: dict[Callable[..., Any], Any] = field(default_factory=dict, repr=False)

    def analysis(self, factory: Callable[[ModuleIndex], T]) -> T:
        """An analysis of this module, computed once however many rules and analyses ask."""
        found = self._derived.get(factory)
        if found is None:
            found = self._derived[factory] = factory(self)
        return found

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def scope(self, node: cst.CSTNode) -> Scope:
        """The innermost scope containing ``node`` (remembered for the nodes asked about:
        analyses ask again and again about the same statements)."""
        found = self.scope_of.get(node)
        if found is not None:
            return found
        walked = [node]
        for candidate in self.ancestors(node):
            found = self.scope_of.get(candidate)
            if found is not None:
                break
            walked.append(candidate)
        found = found or self.root
        for seen in walked:
            self.scope_of[seen] = found
        return found

    def in_finally(self, node: cst.CSTNode) -> bool:
        """``node`` runs in the ``finally`` of a ``try`` of its own function."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.Finally):
                return True
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
        return False

    def before(self, first: cst.CSTNode, second: cst.CSTNode) -> bool:
        """``first`` comes before ``second`` in the source (neither contains the other)."""
        chain = [second, *self.ancestors(second)]
        positions = {id(node): i for i, node in enumerate(chain)}
        child = first
        for ancestor in self.ancestors(first):
            if id(ancestor) in positions:
                other = chain[positions[id(ancestor)] - 1] if positions[id(ancestor)] > 0 else None
                if other is None:
                    return False
                siblings = children_of(ancestor)
                try:
                    return siblings.index(child) < siblings.index(other)
                except ValueError:
                    return False
            child = ancestor
        return False

    def calls_in(self, node: cst.CSTNode) -> list[cst.Call]:
        """Every call inside ``node`` (nested functions included), in source order."""
        return [current for current in descendants(node) if isinstance(current, cst.Call)]

    def calls_to(self, name: str) -> list[cst.Call]:
        """Every call of a function or method named ``name``: ``name(...)``, ``x.name(...)``."""
        return [
            call
            for call in self.calls
            if (isinstance(call.func, cst.Name) and call.func.value == name)
            or (isinstance(call.func, cst.Attribute) and call.func.attr.value == name)
        ]

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The smallest statement containing ``node``."""
        for candidate in (node, *self.ancestors(node)):
            if isinstance(candidate, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return candidate
        return node

    def qualified_name(self, expr: cst.BaseExpression) -> str | None:
        """Resolve ``lc`` or ``functools.lru_cache`` to ``functools.lru_cache`` via imports."""
        parts: list[str] = []
        while isinstance(expr, cst.Attribute):
            parts.append(expr.attr.value)
            expr = expr.value
        if not isinstance(expr, cst.Name):
            return None
        head = expr.value
        base = self.imports.get(head)
        if base is None:
            # A module-level definition shadows the builtin of the same name.
            base = f"<module>.{head}" if head in self.root.bindings else f"builtins.{head}"
        return ".".join([base, *reversed(parts)])


class _Walker:
    def __init__(self, module: cst.Module) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.scope_of: dict[cst.CSTNode, Scope] = {}
        self.root = Scope("module", module, "<module>", None)
        self.scopes: list[Scope] = [self.root]
        self.imports: dict[str, str] = {}
        self.names: dict[str, list[cst.Name]] = {}
        self.attributes: dict[str, list[cst.Attribute]] = {}
        self.calls: list[cst.Call] = []
        self.whiles: list[cst.While] = []
        self.returns: list[cst.Return] = []
        self.assigns: list[cst.Assign | cst.AnnAssign | cst.AugAssign] = []
        self.classes: dict[str, Scope] = {}
        self.star_imports = False

    # -- scopes -------------------------------------------------------------
    def _new_scope(self, kind: ScopeKind, node: cst.CSTNode, name: str, parent: Scope) -> Scope:
        scope = Scope(kind, node, name, parent)
        if kind in ("class", "function"):
            prefix = parent.qualname
            if parent.kind == "function":
                prefix = f"{prefix}.<locals>" if prefix else ""
            scope.qualname = f"{prefix}.{name}" if prefix else name
        else:
            scope.qualname = parent.qualname
        self.scopes.append(scope)
        self.scope_of[node] = scope
        return scope

    # -- walking ------------------------------------------------------------
    def walk(self, node: cst.CSTNode, parent: cst.CSTNode | None, scope: Scope) -> None:
        if parent is not None:
            self.parents[node] = parent
        handler = _HANDLERS.get(type(node))
        if handler is not None and handler(self, node, scope):
            return
        for child in children_of(node):
            self.walk(child, node, scope)

    def walk_all(
        self,
        nodes: Iterable[cst.CSTNode],
        parent: cst.CSTNode,
        scope: Scope,
    ) -> None:
        for child in nodes:
            self.walk(child, parent, scope)

    # -- bindings -----------------------------------------------------------
    def bind_target(self, target: cst.CSTNode, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            scope.bindings.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, scope)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, scope)


def _on_function(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.FunctionDef)
    scope.bindings.add(node.name.value)
    for decorator in node.decorators:
        w.scope_of[decorator] = scope  # decorators run in the enclosing scope
    w.walk_all(node.decorators, node, scope)
    inner = w._new_scope("function", node, node.name.value, scope)
    inner.decorators = list(node.decorators)
    inner.is_async = node.asynchronous is not None
    params = node.params
    for param in (*params.posonly_params, *params.params):
        inner.params.append(param.name.value)
    for extra in (params.star_arg, *params.kwonly_params, params.star_kwarg):
        if isinstance(extra, cst.Param):
            inner.params.append(extra.name.value)
    inner.bindings.update(inner.params)
    # Defaults and annotations are evaluated in the enclosing scope.
    w.scope_of[params] = scope
    w.walk(params, node, scope)
    if node.returns is not None:
        w.walk(node.returns, node, scope)
    w.walk(node.body, node, inner)
    return True


def _on_param(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.Param)
    w.parents[node.name] = node
    if node.annotation is not None:
        w.walk(node.annotation, node, scope)
    if node.default is not None:
        w.walk(node.default, node, scope)
    return True


def _on_class(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.ClassDef)
    scope.bindings.add(node.name.value)
    for decorator in node.decorators:
        w.scope_of[decorator] = scope
    w.walk_all(node.decorators, node, scope)
    w.walk_all(node.bases, node, scope)
    w.walk_all(node.keywords, node, scope)
    inner = w._new_scope("class", node, node.name.value, scope)
    inner.decorators = list(node.decorators)
    if scope.kind == "module":
        w.classes.setdefault(node.name.value, inner)
    w.walk(node.body, node, inner)
    return True


def _on_lambda(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.Lambda)
    inner = w._new_scope("lambda", node, "<lambda>", scope)
    for param in node.params.params:
        inner.params.append(param.name.value)
    inner.bindings.update(inner.params)
    w.walk(node.params, node, scope)
    w.walk(node.body, node, inner)
    return True


def _on_comprehension(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    inner = w._new_scope("comprehension", node, "<comprehension>", scope)
    for child in iter_children(node):
        w.walk(child, node, inner)
    return True


def _on_comp_for(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.CompFor)
    w.bind_target(node.target, scope)
    return False


def _on_name(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.Name)
    w.names.setdefault(node.value, []).append(node)
    w.scope_of[node] = scope
    return True


def _on_attribute(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.Attribute)
    w.attributes.setdefault(node.attr.value, []).append(node)
    w.scope_of[node] = scope
    w.parents[node.attr] = node
    w.walk(node.value, node, scope)
    return True


def _on_call(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.Call)
    w.calls.append(node)
    w.scope_of[node] = scope
    return False


def _on_return(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.Return)
    w.returns.append(node)
    w.scope_of[node] = scope
    return False


def _on_while(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.While)
    w.whiles.append(node)
    w.scope_of[node] = scope
    return False


def _on_assign(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign))
    w.assigns.append(node)
    w.scope_of[node] = scope
    if isinstance(node, cst.Assign):
        for target in node.targets:
            w.bind_target(target.target, scope)
    elif isinstance(node, cst.AnnAssign):
        if node.value is not None or scope.kind != "class":
            w.bind_target(node.target, scope)
    else:
        w.bind_target(node.target, scope)
    return False


def _on_for(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.For)
    w.bind_target(node.target, scope)
    return False


def _on_with_item(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.WithItem)
    if node.asname is not None:
        w.bind_target(node.asname.name, scope)
    return False


def _on_except(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler))
    if node.name is not None:
        w.bind_target(node.name.name, scope)
    return False


def _on_named_expr(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.NamedExpr)
    w.bind_target(node.target, scope.function_scope())
    return False


def _on_global(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, (cst.Global, cst.Nonlocal))
    target = scope.globals if isinstance(node, cst.Global) else scope.nonlocals
    target.update(item.name.value for item in node.names)
    return True


def _dotted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return ""


def _on_import(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.Import)
    for alias in node.names:
        dotted = _dotted(alias.name)
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
            w.imports[local] = dotted
        else:
            local = dotted.split(".")[0]
            w.imports[local] = local
        scope.bindings.add(local)
    return True


def _on_import_from(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    assert isinstance(node, cst.ImportFrom)
    module = "." * len(node.relative) + (_dotted(node.module) if node.module else "")
    if isinstance(node.names, cst.ImportStar):
        w.star_imports = True
        return True
    for alias in node.names:
        name = _dotted(alias.name)
        local = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        w.imports[local] = f"{module}.{name}" if module else name
        scope.bindings.add(local)
    return True


def _on_chain(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    """``a + b + c ...`` and implicit string concatenation nest one level per operand; walk
    them with an explicit stack so a 5,000-part literal costs no recursion."""
    kind = type(node)
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if type(current) is kind:
            left, right = current.left, current.right  # type: ignore[attr-defined]
            w.parents[left] = current
            w.parents[right] = current
            stack += (right, left)  # left first, in source order
        else:
            w.walk(current, w.parents[current], scope)
    return True


def _on_yield(w: _Walker, node: cst.CSTNode, scope: Scope) -> bool:
    scope.function_scope().is_generator = True
    return False


_HANDLERS = {
    cst.FunctionDef: _on_function,
    cst.Param: _on_param,
    cst.ClassDef: _on_class,
    cst.Lambda: _on_lambda,
    cst.ListComp: _on_comprehension,
    cst.SetComp: _on_comprehension,
    cst.DictComp: _on_comprehension,
    cst.GeneratorExp: _on_comprehension,
    cst.CompFor: _on_comp_for,
    cst.Name: _on_name,
    cst.Attribute: _on_attribute,
    cst.Call: _on_call,
    cst.While: _on_while,
    cst.Return: _on_return,
    cst.Assign: _on_assign,
    cst.AnnAssign: _on_assign,
    cst.AugAssign: _on_assign,
    cst.For: _on_for,
    cst.WithItem: _on_with_item,
    cst.ExceptHandler: _on_except,
    cst.ExceptStarHandler: _on_except,
    cst.NamedExpr: _on_named_expr,
    cst.Global: _on_global,
    cst.Nonlocal: _on_global,
    cst.Import: _on_import,
    cst.ImportFrom: _on_import_from,
    cst.Yield: _on_yield,
    cst.BinaryOperation: _on_chain,
    cst.BooleanOperation: _on_chain,
    cst.ConcatenatedString: _on_chain,
}


def build_index(module: cst.Module) -> ModuleIndex:
    walker = _Walker(module)
    walker.scope_of[module] = walker.root
    for statement in module.body:
        walker.walk(statement, module, walker.root)
    return ModuleIndex(
        module=module,
        root=walker.root,
        parents=walker.parents,
        scope_of=walker.scope_of,
        scopes=walker.scopes,
        imports=walker.imports,
        names=walker.names,
        attributes=walker.attributes,
        calls=walker.calls,
        whiles=walker.whiles,
        returns=walker.returns,
        assigns=walker.assigns,
        classes=walker.classes,
        star_imports=walker.star_imports,
    )
