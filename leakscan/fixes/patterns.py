"""Eviction patches for unbounded containers, memo caches and unclosed files.

Each builder looks at the facts the analyses gathered and either returns a Proposal
(edits plus how safe they are) or None when it cannot show the patch is correct:
a key with side effects, a growth site inside an expression, a use a deque does not
support.  Sizes are named constants (``MAX_CACHE_SIZE = 1000``), not magic numbers.
"""

from __future__ import annotations

import re

import libcst as cst

from leakscan.analyses.container_model import Container, Site
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.fixes.edits import AddConstant, AddImport, Edit, Insert, Proposal, Remove, Replace

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


def _simple(expr: cst.BaseExpression | None) -> bool:
    """Side-effect free and cheap to evaluate twice: names, attributes, literals, tuples of them."""
    if expr is None:
        return False
    if isinstance(expr, (cst.Name, cst.SimpleString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Attribute):
        return _simple(expr.value)
    if isinstance(expr, cst.Subscript):
        return _simple(expr.value) and all(
            isinstance(el.slice, cst.Index) and _simple(el.slice.value) for el in expr.slice
        )
    if isinstance(expr, cst.Tuple):
        return all(_simple(el.value) for el in expr.elements)
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


def _code(index: ModuleIndex, node: cst.CSTNode) -> str:
    return index.module.code_for_node(node).strip()


def container_proposal(
    index: ModuleIndex,
    container: Container,
    refs: list[cst.BaseExpression],
    growth: tuple[Site, ...],
    escapes: bool,
    size: int,
) -> Proposal | None:
    if container.family == "sequence":
        return _sequence(index, container, refs, growth, escapes, size)
    if not escapes:
        lru = _lru(index, container, refs, growth, size)
        if lru is not None:
            return lru
    return _mapping(index, container, growth, escapes, size)


# -- sequences -------------------------------------------------------------------------


def _sequence(
    index: ModuleIndex,
    container: Container,
    refs: list[cst.BaseExpression],
    growth: tuple[Site, ...],
    escapes: bool,
    size: int,
) -> Proposal | None:
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
        if statement is None or bound is None or not _simple(target):
            return None
        trim = cst.parse_statement(f"del {_code(index, target)}[:-{bound}]\n")
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


# -- mappings --------------------------------------------------------------------------


def _mapping(
    index: ModuleIndex, container: Container, growth: tuple[Site, ...], escapes: bool, size: int
) -> Proposal | None:
    sizer = Sizer(index, container, size)
    constant = sizer.constant()
    edits: list[Edit] = []
    is_set = container.kind == "set"
    for site in growth:
        key = site.key
        node = site.node
        if isinstance(node, cst.Subscript):
            target = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in ("add", "setdefault"):
                target = node.func.value
            elif isinstance(node.func.value, cst.Subscript):  # d[k].append(v)
                target = node.func.value.value
                key = (
                    node.func.value.slice[0].slice.value
                    if isinstance(node.func.value.slice[0].slice, cst.Index)
                    else None
                )
            else:
                return None  # update(): several keys at once
        else:
            return None
        statement = body_statement(index, node)
        bound = sizer.reference(site.scope)
        if statement is None or bound is None or not _simple(key) or not _simple(target):
            return None
        name, k = _code(index, target), _code(index, key)  # type: ignore[arg-type]
        evict = f"{name}.pop()" if is_set else f"{name}.pop(next(iter({name})))"
        guard = cst.parse_statement(f"if len({name}) >= {bound} and {k} not in {name}:\n    {evict}\n")
        edits.append(Insert(statement, (guard,)))
    if not edits:
        return None
    if constant is not None:
        edits.append(constant)
    if is_set:
        return Proposal(
            "fifo-eviction",
            "review",
            f"drop an arbitrary member when {sizer.name} is reached (sets have no order)",
            tuple(edits),
        )
    return Proposal(
        "fifo-eviction",
        "review" if escapes else "safe",
        f"evict the oldest entry when {sizer.name} is reached (dicts keep insertion order)",
        tuple(edits),
    )


def _lru(
    index: ModuleIndex,
    container: Container,
    refs: list[cst.BaseExpression],
    growth: tuple[Site, ...],
    size: int,
) -> Proposal | None:
    """A cache read through ``get``/``[]``: an OrderedDict, refreshed on every read, that drops
    the least recently used entry when full.  Only when every read and write is seen and simple."""
    if container.kind != "dict" or not _empty_dict(container.value):
        return None
    reads: list[tuple[cst.BaseExpression, cst.BaseExpression, Scope]] = []  # (target, key, scope)
    for ref in refs:
        if ref is container.target:
            continue
        parent = index.parent(ref)
        if isinstance(parent, cst.Attribute) and parent.value is ref and parent.attr.value == "get":
            call = index.parent(parent)
            if isinstance(call, cst.Call) and call.func is parent and call.args:
                reads.append((ref, call.args[0].value, index.scope(call)))
                continue
        if isinstance(parent, cst.Subscript) and parent.value is ref:
            holder = index.parent(parent)
            if isinstance(holder, (cst.AssignTarget, cst.Del)):
                continue  # a write or a delete, not a read
            key = parent.slice[0].slice.value if isinstance(parent.slice[0].slice, cst.Index) else None
            if key is None:
                return None
            reads.append((ref, key, index.scope(parent)))
    if not reads or any(not isinstance(site.node, cst.Subscript) for site in growth):
        return None
    sizer = Sizer(index, container, size)
    edits: list[Edit] = []
    for target, key, _scope in reads:
        statement = body_statement(index, target)
        if statement is None or not _simple(key) or not _simple(target):
            return None
        name, k = _code(index, target), _code(index, key)
        edits.append(
            Insert(statement, (cst.parse_statement(f"if {k} in {name}:\n    {name}.move_to_end({k})\n"),))
        )
    for site in growth:
        node = site.node
        assert isinstance(node, cst.Subscript)
        statement = body_statement(index, node)
        bound = sizer.reference(site.scope)
        if statement is None or bound is None or not _simple(site.key) or not _simple(node.value):
            return None
        name, k = _code(index, node.value), _code(index, site.key)  # type: ignore[arg-type]
        guard = f"if len({name}) >= {bound} and {k} not in {name}:\n    {name}.popitem(last=False)\n"
        edits.append(Insert(statement, (cst.parse_statement(guard),)))
    spelled = (
        "OrderedDict"
        if index.imports.get("OrderedDict", "collections.OrderedDict") == ("collections.OrderedDict")
        else None
    )
    if spelled is None:
        return None
    edits.append(Replace(container.value, cst.parse_expression("OrderedDict()")))
    edits.append(AddImport("collections", "OrderedDict"))
    constant = sizer.constant()
    if constant is not None:
        edits.append(constant)
    return Proposal(
        "lru-eviction",
        "review",
        f"an OrderedDict refreshed on each read that drops the least recently used entry at {sizer.name}",
        tuple(edits),
    )


def _empty_dict(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Dict):
        return not value.elements
    return (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Name)
        and value.func.value == "dict"
        and not value.args
    )


# -- memoization ------------------------------------------------------------------------


def bounded_lru_cache(
    index: ModuleIndex, decorator: cst.Decorator, function: Scope, size: int
) -> Proposal | None:
    expr = decorator.decorator
    call = expr if isinstance(expr, cst.Call) else None
    func = call.func if call is not None else expr
    qualified = index.qualified_name(func)
    name = constant_name(function.name, "CACHE_SIZE")
    edits: list[Edit] = []
    if qualified == "functools.cache":
        if isinstance(func, cst.Attribute):
            spelled = f"{index.module.code_for_node(func.value)}.lru_cache"
        elif index.imports.get("lru_cache") == "functools.lru_cache":
            spelled = "lru_cache"
        elif "lru_cache" in index.root.bindings:
            return None
        else:
            spelled = "lru_cache"
            edits.append(AddImport("functools", "lru_cache"))
        new = cst.parse_expression(f"{spelled}(maxsize={name})")
        edits.append(Replace(expr, new))
    elif call is not None:
        args = [
            a.with_changes(value=cst.Name(name))
            if (a.keyword is not None and a.keyword.value == "maxsize") or (a.keyword is None and i == 0)
            else a
            for i, a in enumerate(call.args)
        ]
        edits.append(Replace(call, call.with_changes(args=args)))
    else:
        return None
    if name not in index.root.bindings:
        anchor = function.node
        while index.parent(anchor) is not None and not isinstance(index.parent(anchor), cst.Module):
            anchor = index.parent(anchor)  # type: ignore[assignment]
        if not isinstance(anchor, cst.BaseStatement):
            return None
        edits.append(AddConstant(name, size, before=anchor))
    return Proposal(
        "bounded-lru-cache", "safe", f"bound the cache with lru_cache(maxsize={name})", tuple(edits)
    )


# -- files and resources ------------------------------------------------------------------


def context_manager(index: ModuleIndex, call: cst.Call, handle_name: str | None) -> Proposal | None:
    """``data = open(p).read()`` or ``f = open(p)`` ... ``f.close()``: a ``with`` block."""
    if handle_name is None:
        return _wrap_expression(index, call)
    return _wrap_binding(index, call, handle_name)


def _free_name(index: ModuleIndex, scope: Scope) -> str:
    for candidate in ("handle", "stream", "resource", "opened"):
        if candidate not in scope.bindings and candidate not in index.names:
            return candidate
    return "leakscan_handle"


def _wrap_expression(index: ModuleIndex, call: cst.Call) -> Proposal | None:
    statement = body_statement(index, call)
    if statement is None or not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    scope = index.scope(call).function_scope()
    name = _free_name(index, scope)
    with_line = cst.parse_statement(f"with {_code(index, call)} as {name}:\n    pass\n")
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
    with_line = cst.parse_statement(f"with {_code(index, call)} as {name}:\n    pass\n")
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
