"""Container facts: where long-lived containers are born, and every place they grow or shrink.

A *container* is a dict, set, list, deque, queue, ... stored somewhere that outlives a
call: a module global, a class attribute, or an instance attribute.  For each one we
collect its *sites*: every reference, classified as growth, shrink, reset, escape or a
plain read, following local aliases (``cache = self.cache``).  Rules then decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from leakscan.analyses.exprs import (
    call_arg,
    dotted,
    is_literal,
    is_none,
    is_slice,
    is_zero,
    subscript_key,
)
from leakscan.analyses.index import ModuleIndex, Scope, children_of
from leakscan.analyses.phases import INIT_METHODS, Phase, Phases

Family = Literal["mapping", "sequence"]
Lifetime = Literal["module", "class", "instance", "local"]
SiteKind = Literal["grow", "shrink", "reset", "escape", "read", "check"]

# Constructor qualified name -> (kind shown to users, family)
_CONSTRUCTORS: dict[str, tuple[str, Family]] = {
    "builtins.dict": ("dict", "mapping"),
    "builtins.set": ("set", "mapping"),
    "builtins.list": ("list", "sequence"),
    "builtins.bytearray": ("bytearray", "sequence"),
    "collections.defaultdict": ("defaultdict", "mapping"),
    "collections.OrderedDict": ("OrderedDict", "mapping"),
    "collections.Counter": ("Counter", "mapping"),
    "collections.deque": ("deque", "sequence"),
    "queue.Queue": ("Queue", "sequence"),
    "queue.LifoQueue": ("LifoQueue", "sequence"),
    "queue.PriorityQueue": ("PriorityQueue", "sequence"),
    "queue.SimpleQueue": ("SimpleQueue", "sequence"),
    "asyncio.Queue": ("asyncio.Queue", "sequence"),
    "multiprocessing.Queue": ("multiprocessing.Queue", "sequence"),
}
_BOUNDED_TYPES: dict[str, str] = {
    "weakref.WeakValueDictionary": "weak references",
    "weakref.WeakKeyDictionary": "weak references",
    "weakref.WeakSet": "weak references",
    "cachetools.LRUCache": "bounded cache type",
    "cachetools.LFUCache": "bounded cache type",
    "cachetools.TTLCache": "bounded cache type",
    "cachetools.TLRUCache": "bounded cache type",
    "cachetools.FIFOCache": "bounded cache type",
    "cachetools.RRCache": "bounded cache type",
    "cachetools.MRUCache": "bounded cache type",
}
_AUTO_INSERT = frozenset({"defaultdict", "Counter"})
_QUEUES = frozenset(
    {"Queue", "LifoQueue", "PriorityQueue", "SimpleQueue", "asyncio.Queue", "multiprocessing.Queue"}
)

GROW_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "add",
        "update",
        "setdefault",
        "appendleft",
        "extendleft",
        "put",
        "put_nowait",
        "__setitem__",
        "__ior__",
    }
)
SHRINK_METHODS = frozenset(
    {
        "pop",
        "popitem",
        "popleft",
        "clear",
        "remove",
        "discard",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "__delitem__",
        "subtract",
    }
)
_QUEUE_SHRINK = frozenset({"get", "get_nowait"})
_GROW_AUGOPS = (cst.AddAssign, cst.BitOrAssign)
_SHRINK_AUGOPS = (cst.SubtractAssign, cst.BitAndAssign, cst.MultiplyAssign)
# Calls that only read their argument.
_READERS = frozenset(
    "builtins." + n
    for n in [
        "len",
        "bool",
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "sorted",
        "reversed",
        "iter",
        "next",
        "enumerate",
        "zip",
        "map",
        "filter",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "str",
        "repr",
        "print",
        "isinstance",
        "id",
        "hash",
        "format",
        "sorted",
        "type",
        "vars",
        "hasattr",
        "getattr",
    ]
) | frozenset(
    {
        "copy.copy",
        "copy.deepcopy",
        "json.dumps",
        "json.dump",
        "pickle.dump",
        "pickle.dumps",
        "pprint.pprint",
        "pprint.pformat",
        "itertools.chain",
        "itertools.islice",
        "random.choice",
        "random.sample",
        "heapq.nlargest",
        "heapq.nsmallest",
        "collections.Counter",
        "collections.deque",
        "statistics.mean",
        "statistics.median",
        "statistics.stdev",
        "operator.itemgetter",
    }
)
# Methods that only read (log, format or serialise) their arguments.
_READER_METHODS = frozenset(
    {
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "format",
        "join",
        "dump",
        "dumps",
        "write",
        "writelines",
        "count",
        "index",
        "startswith",
        "endswith",
    }
)
# Calls that grow their first argument.
_GROWERS = frozenset({"heapq.heappush", "bisect.insort", "bisect.insort_left", "bisect.insort_right"})
_SHRINKERS = frozenset({"heapq.heappop", "heapq.heapreplace", "heapq.heappushpop"})


@dataclass(eq=False)
class Site:
    node: cst.CSTNode
    scope: Scope
    kind: SiteKind
    how: str
    phase: Phase = "runtime"
    literal_key: bool = False
    size_checked: bool = False  # grows only under ``if len(container) ...``
    value: cst.BaseExpression | None = None  # what is stored, when visible
    key: cst.BaseExpression | None = None  # the key or item added, when visible

    @property
    def where(self) -> str:
        """The function the site is in, for messages: ``Class.method`` or ``<module>``."""
        return self.scope.function_scope().qualname or "<module>"


@dataclass(eq=False)
class Container:
    symbol: str
    name: str
    lifetime: Lifetime
    kind: str
    family: Family
    target: cst.CSTNode  # the expression bound: ``self.cache`` / ``CACHE``
    value: cst.BaseExpression  # the constructor: ``{}`` / ``deque()``
    scope: Scope  # where it is created
    owner: Scope | None  # the class, for class and instance attributes
    bounded: str | None = None
    sites: list[Site] = field(default_factory=list)
    creation_phase: Phase = "import"
    judgement: Judgement | None = None

    def of_kind(self, *kinds: SiteKind) -> list[Site]:
        return [s for s in self.sites if s.kind in kinds]


def constructor_of(expr: cst.BaseExpression, index: ModuleIndex) -> tuple[str, Family, str | None] | None:
    """``(kind, family, bounded_reason)`` when ``expr`` builds a container."""
    if isinstance(expr, (cst.Dict, cst.DictComp)):
        return ("dict", "mapping", None)
    if isinstance(expr, (cst.Set, cst.SetComp)):
        return ("set", "mapping", None)
    if isinstance(expr, (cst.List, cst.ListComp)):
        return ("list", "sequence", None)
    if not isinstance(expr, cst.Call):
        return None
    qualified = index.qualified_name(expr.func)
    if qualified is None:
        return None
    if qualified in _BOUNDED_TYPES:
        return (qualified.rsplit(".", 1)[1], "mapping", _BOUNDED_TYPES[qualified])
    known = _CONSTRUCTORS.get(qualified)
    if known is None:
        return None
    kind, family = known
    bounded = None
    if kind == "deque":
        maxlen = call_arg(expr, 1, "maxlen")
        if maxlen is not None and not is_none(maxlen):
            bounded = "deque(maxlen)"
    elif kind in ("Queue", "LifoQueue", "PriorityQueue", "asyncio.Queue", "multiprocessing.Queue"):
        maxsize = call_arg(expr, 0, "maxsize")
        if maxsize is not None and not is_zero(maxsize):
            bounded = "Queue(maxsize)"
    return (kind, family, bounded)


class ContainerAnalysis:
    """Finds long-lived containers and classifies every site that touches them."""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self.phases = Phases(index)
        self.containers: list[Container] = []
        self._collect()
        for container in self.containers:
            self._classify_sites(container)

    # -- where containers are born ---------------------------------------------------
    def _collect(self) -> None:
        seen: dict[str, Container] = {}
        for assign in self.index.assigns:
            if isinstance(assign, cst.AugAssign) or assign.value is None:
                continue
            scope = self.index.scope_of[assign]
            built = constructor_of(assign.value, self.index)
            targets = (
                [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
            )
            for target in targets:
                candidate = self._candidate(target, scope)
                if candidate is None:
                    continue
                lifetime, owner, name, symbol = candidate
                existing = seen.get(symbol)
                if built is None:
                    continue
                if existing is not None:
                    # Prefer the assignment in __init__ as the birth place.
                    if not (scope.name in INIT_METHODS and existing.scope.name not in INIT_METHODS):
                        continue
                    self.containers.remove(existing)
                kind, family, bounded = built
                container = Container(
                    symbol, name, lifetime, kind, family, target, assign.value, scope, owner, bounded
                )
                container.creation_phase = self.phases.of(scope)
                seen[symbol] = container
                self.containers.append(container)

    def _candidate(
        self, target: cst.BaseExpression, scope: Scope
    ) -> tuple[Lifetime, Scope | None, str, str] | None:
        if isinstance(target, cst.Name):
            if scope.kind == "module":
                return ("module", None, target.value, target.value)
            if scope.kind == "class":
                return ("class", scope, target.value, f"{scope.qualname}.{target.value}")
            return None
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            method = scope.function_scope() if scope.kind != "function" else scope
            owner = method.class_scope
            if owner is not None and target.value.value == method.self_name:
                attr = target.attr.value
                return ("instance", owner, attr, f"{owner.qualname}.{attr}")
        return None

    def locals_in(self, function: Scope) -> list[Container]:
        """Containers bound to plain local names in ``function``, with their sites."""
        found: dict[str, Container] = {}
        for assign in self.index.assigns:
            if isinstance(assign, cst.AugAssign) or assign.value is None:
                continue
            scope = self.index.scope_of[assign]
            if scope.function_scope() is not function or function.kind == "module":
                continue
            built = constructor_of(assign.value, self.index)
            targets = (
                [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
            )
            for target in targets:
                if built is None or not isinstance(target, cst.Name) or target.value in found:
                    continue
                if target.value in function.globals or target.value in function.nonlocals:
                    continue
                kind, family, bounded = built
                name = target.value
                found[name] = Container(
                    f"{function.qualname}.{name}",
                    name,
                    "local",
                    kind,
                    family,
                    target,
                    assign.value,
                    scope,
                    None,
                    bounded,
                )
        for container in found.values():
            self._classify_sites(container)
        return list(found.values())

    # -- references ---------------------------------------------------------------------
    def _references(self, container: Container) -> list[cst.BaseExpression]:
        index = self.index
        refs: list[cst.BaseExpression] = []
        if container.lifetime == "local":
            home = container.scope.function_scope()
            for ref in index.names.get(container.name, ()):
                if index.scope(ref).function_scope() is home:
                    refs.append(ref)
            return refs
        if container.lifetime == "module":
            for ref in index.names.get(container.name, ()):
                parent = index.parent(ref)
                if isinstance(parent, cst.Arg) and parent.keyword is ref:
                    continue
                if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Param)):
                    continue
                if index.scope(ref).resolves_to_module(container.name):
                    refs.append(ref)
            return refs
        owner = container.owner
        assert owner is not None
        related = self._related_classes(owner)
        for attr_ref in index.attributes.get(container.name, ()):
            base = attr_ref.value
            scope = index.scope(attr_ref)
            method = self._method_binding(scope, base)
            if container.lifetime == "instance":
                if method is not None and method[1] == "self" and method[0].class_scope in related:
                    refs.append(attr_ref)
            else:
                if (isinstance(base, cst.Name) and base.value in {c.name for c in related}) or (
                    method is not None
                    and method[0].class_scope in related
                    and (method[1] == "cls" or not self._has_instance_shadow(container))
                ):
                    refs.append(attr_ref)
        if container.lifetime == "class":
            # Inside the class body the attribute is a plain name.
            for ref in index.names.get(container.name, ()):
                if index.scope(ref) is owner:
                    refs.append(ref)
        return refs

    def _related_classes(self, owner: Scope) -> set[Scope]:
        """The class and its subclasses defined in the same module."""
        related = {owner}
        changed = True
        while changed:
            changed = False
            for scope in self.index.scopes:
                if scope.kind != "class" or scope in related:
                    continue
                node = scope.node
                assert isinstance(node, cst.ClassDef)
                names = {b.value.value for b in node.bases if isinstance(b.value, cst.Name)}
                if names & {c.name for c in related}:
                    related.add(scope)
                    changed = True
        return related

    def _method_binding(self, scope: Scope, base: cst.BaseExpression) -> tuple[Scope, str] | None:
        """If ``base`` is the ``self``/``cls`` parameter of an enclosing method: (method, role)."""
        if not isinstance(base, cst.Name):
            return None
        current: Scope | None = scope
        while current is not None and current.kind != "module":
            if current.kind == "function" and base.value in current.bindings:
                if base.value == current.self_name:
                    return (current, "self")
                if base.value == current.cls_name:
                    return (current, "cls")
                return None
            current = current.parent
        return None

    def _has_instance_shadow(self, container: Container) -> bool:
        for other in self.containers:
            if (
                other.lifetime == "instance"
                and other.owner is container.owner
                and other.name == container.name
            ):
                return True
        return False

    # -- classification -------------------------------------------------------------
    def _classify_sites(self, container: Container) -> None:
        refs = self._references(container)
        for ref in refs:
            if ref is container.target:
                continue
            self._classify(container, ref, depth=0)
        if container.lifetime in ("class", "instance"):
            self._foreign_shrinks(container, set(refs))

    def _foreign_shrinks(self, container: Container, own: set[cst.BaseExpression]) -> None:
        """``owner.cache.clear()`` from another object still shrinks it (same attribute name)."""
        for ref in self.index.attributes.get(container.name, ()):
            if ref in own or ref is container.target:
                continue
            parent = self.index.parent(ref)
            if isinstance(parent, cst.Attribute) and parent.value is ref:
                call = self.index.parent(parent)
                if isinstance(call, cst.Call) and call.func is parent and parent.attr.value in SHRINK_METHODS:
                    self._add(container, call, "shrink", f".{parent.attr.value}() via another reference")
            elif (
                isinstance(parent, cst.Subscript)
                and parent.value is ref
                and (isinstance(self.index.parent(parent), cst.Del) or _in_del(self.index, parent))
            ):
                self._add(container, parent, "shrink", "del [...] via another reference")

    def _add(
        self, container: Container, node: cst.CSTNode, kind: SiteKind, how: str, literal_key: bool = False
    ) -> None:
        scope = self.index.scope(node)
        phase = self.phases.of(scope.function_scope() if scope.kind == "comprehension" else scope)
        site = Site(node, scope, kind, how, phase, literal_key)
        if kind == "grow":
            site.size_checked = self._size_checked(container, node, scope)
            site.value = _stored_value(self.index, node)
            site.key = _added_key(node)
        container.sites.append(site)

    def _size_checked(self, c: Container, node: cst.CSTNode, scope: Scope) -> bool:
        """``if len(x) < N: x.add(...)``: the growth sits under a test of the container's size."""
        target = dotted(c.target) if isinstance(c.target, cst.BaseExpression) else None
        if target is None:
            return False
        wanted = {f"len({target})"}
        home = scope.function_scope()
        for assign in self.index.assigns:
            if (
                isinstance(assign, cst.Assign)
                and isinstance(assign.value, cst.Call)
                and len(assign.targets) == 1
                and isinstance(assign.targets[0].target, cst.Name)
                and self.index.scope_of[assign].function_scope() is home
                and "".join(self.index.module.code_for_node(assign.value).split()) == f"len({target})"
            ):
                wanted.add(assign.targets[0].target.value)
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                break
            if isinstance(ancestor, (cst.If, cst.While)):
                test = "".join(self.index.module.code_for_node(ancestor.test).split())
                if any(w in test for w in wanted if w.startswith("len(")) or any(
                    w in _identifiers(test) for w in wanted
                ):
                    return True
        return False

    def _classify(self, c: Container, ref: cst.BaseExpression, depth: int) -> None:
        index = self.index
        parent = index.parent(ref)
        if isinstance(parent, cst.Attribute) and parent.value is ref:
            self._classify_method(c, ref, parent)
            return
        if isinstance(parent, cst.Subscript) and parent.value is ref:
            self._classify_item(c, parent)
            return
        if isinstance(parent, cst.AugAssign) and parent.target is ref:
            if isinstance(parent.operator, _GROW_AUGOPS):
                self._add(c, parent, "grow", "+=" if isinstance(parent.operator, cst.AddAssign) else "|=")
            elif isinstance(parent.operator, _SHRINK_AUGOPS):
                self._add(c, parent, "shrink", "shrunk in place")
            return
        if isinstance(parent, cst.AssignTarget) and parent.target is ref:
            assign = index.parent(parent)
            assert isinstance(assign, cst.Assign)
            self._add(c, assign, *self._rebinding(ref, assign.value))
            return
        if isinstance(parent, cst.AnnAssign) and parent.target is ref:
            if parent.value is not None:
                self._add(c, parent, *self._rebinding(ref, parent.value))
            return
        if isinstance(parent, cst.Del):
            self._add(c, parent, "reset", "deleted")
            return
        if isinstance(parent, cst.Arg):
            call = index.parent(parent)
            if isinstance(call, cst.Call):
                self._classify_argument(c, ref, call)
            return
        if isinstance(parent, (cst.Return, cst.Yield)):
            self._add(c, parent, "escape", "returned" if isinstance(parent, cst.Return) else "yielded")
            return
        if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.NamedExpr)) and parent.value is ref:
            self._classify_alias(c, ref, parent, depth)
            return
        if isinstance(parent, (cst.Element, cst.DictElement, cst.StarredElement)):
            literal = self._outer_literal(parent)
            if literal is None:
                return
            holder = index.parent(literal)
            if isinstance(holder, cst.AssignTarget) and holder.target is literal:
                self._add(c, literal, "reset", "reassigned")  # items, self.items = self.items, []
            elif depth < 3:
                self._escapes_only(c, literal, depth + 1)
            return

    def _outer_literal(self, element: cst.CSTNode) -> cst.BaseExpression | None:
        node: cst.CSTNode | None = self.index.parent(element)
        literal: cst.BaseExpression | None = None
        while isinstance(node, (cst.Tuple, cst.List, cst.Set, cst.Dict)):
            literal = node
            node = self.index.parent(node)
            if isinstance(node, (cst.Element, cst.DictElement, cst.StarredElement)):
                node = self.index.parent(node)
        return literal

    def _escapes_only(self, c: Container, literal: cst.BaseExpression, depth: int) -> None:
        """A literal holding the container: only where the literal goes matters."""
        index = self.index
        parent = index.parent(literal)
        if isinstance(parent, (cst.Return, cst.Yield)):
            self._add(c, parent, "escape", "returned inside a literal")
        elif isinstance(parent, cst.Arg):
            call = index.parent(parent)
            qualified = index.qualified_name(call.func) if isinstance(call, cst.Call) else None
            if (
                isinstance(call, cst.Call)
                and (qualified or "") not in _READERS
                and not _is_reader_method(call)
            ):
                self._add(c, call, "escape", "passed on inside a literal")
        elif isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is literal:
            targets = (
                [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            )
            scope = index.scope(parent).function_scope()
            for target in targets:
                if isinstance(target, cst.Name) and scope.kind == "function":
                    for use in index.names.get(target.value, ()):
                        if use is not target and index.scope(use).function_scope() is scope:
                            use_parent = index.parent(use)
                            if isinstance(use_parent, (cst.Element, cst.DictElement)):
                                continue
                            if isinstance(use_parent, (cst.Return, cst.Yield, cst.Arg)):
                                self._escapes_only(c, use, depth + 1)
                else:
                    self._add(c, parent, "escape", "stored elsewhere inside a literal")

    def _rebinding(self, ref: cst.BaseExpression, value: cst.BaseExpression) -> tuple[SiteKind, str]:
        if isinstance(value, cst.Subscript) and is_slice(value) and _same(value.value, ref):
            return ("shrink", "trimmed by slicing")
        return ("reset", "reassigned")

    def _classify_method(self, c: Container, ref: cst.BaseExpression, attr: cst.Attribute) -> None:
        method = attr.attr.value
        call = self.index.parent(attr)
        if not (isinstance(call, cst.Call) and call.func is attr):
            return
        if method in GROW_METHODS:
            key = call.args[0].value if call.args else None
            # Only keyed growth is bounded by literal keys: a list grows on every append.
            literal = (
                c.family == "mapping"
                and method in ("add", "setdefault")
                and key is not None
                and self._bounded_key(key)
            )
            if method == "update" and call.args and all(a.keyword is not None for a in call.args):
                literal = True  # d.update(a=1, b=2): keys spelled in the source
            self._add(c, call, "grow", f".{method}()", literal)
        elif method in SHRINK_METHODS or (c.kind in _QUEUES and method in _QUEUE_SHRINK):
            self._add(c, call, "shrink", f".{method}()")

    def _classify_item(self, c: Container, item: cst.Subscript) -> None:
        """``ref[...]`` in some context."""
        index = self.index
        parent = index.parent(item)
        key = subscript_key(item)
        literal = key is not None and self._bounded_key(key)
        if isinstance(parent, cst.AssignTarget) and parent.target is item:
            if c.family == "mapping":
                self._add(c, item, "grow", "[key] = value", literal)
            elif is_slice(item):
                self._add(c, item, "shrink", "slice assignment")
            return
        if isinstance(parent, cst.AugAssign) and parent.target is item:
            if c.kind in _AUTO_INSERT:
                self._add(c, item, "grow", "[key] += ...", literal)
            return
        if isinstance(parent, cst.Del) or _in_del(index, item):
            self._add(c, item, "shrink", "del [slice]" if is_slice(item) else "del [key]")
            return
        if c.family != "mapping":
            return
        # Nested use of a value: d[k].append(v), d[k][j] = v, d[k] += ... on the value.
        if isinstance(parent, cst.Attribute) and parent.value is item:
            call = index.parent(parent)
            if isinstance(call, cst.Call) and call.func is parent:
                if parent.attr.value in GROW_METHODS:
                    # The value under a literal key still grows: not bounded by the key.
                    self._add(c, call, "grow", f"[key].{parent.attr.value}()")
                elif parent.attr.value in SHRINK_METHODS and c.kind not in _AUTO_INSERT:
                    # Shrinking a value bounds the values; with auto-insertion (defaultdict,
                    # Counter) the keys still accumulate unless a key is removed.
                    self._add(c, call, "shrink", f"[key].{parent.attr.value}()")
            return
        if isinstance(parent, cst.Subscript) and parent.value is item:
            grand = index.parent(parent)
            if isinstance(grand, cst.AssignTarget) and grand.target is parent and c.kind in _AUTO_INSERT:
                self._add(c, parent, "grow", "[key][...] = value", literal)
            elif isinstance(grand, cst.Del) or _in_del(index, parent):
                self._add(c, parent, "shrink", "del [key][...]")

    def _bounded_key(self, key: cst.BaseExpression) -> bool:
        """A key from a fixed set: a literal, a loop over a constant collection, or a parameter
        of a private function that every caller here passes a constant."""
        if is_literal(key):
            return True
        if not isinstance(key, cst.Name):
            return False
        scope = self.index.scope(key).function_scope()
        for use in self.index.names.get(key.value, ()):
            loop = self.index.parent(use)
            if (
                isinstance(loop, cst.For)
                and loop.target is use
                and self.index.scope(loop).function_scope() is scope
                and self._constant(loop.iter)
            ):
                return True
        if scope.kind == "function" and key.value in scope.params and scope.name.startswith("_"):
            return self._constant_arguments(scope, key.value)
        return False

    def _constant(self, expr: cst.BaseExpression) -> bool:
        """A literal collection, or a module-level name bound once to one."""
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return all(is_literal(el.value) for el in expr.elements)
        if isinstance(expr, cst.Name):
            if is_literal(expr):
                return True
            bound = [
                a
                for a in self.index.assigns
                if isinstance(a, cst.Assign)
                and self.index.scope_of[a].kind == "module"
                and any(isinstance(t.target, cst.Name) and t.target.value == expr.value for t in a.targets)
            ]
            return len(bound) == 1 and (
                is_literal(bound[0].value) or (self._constant(bound[0].value) and bound[0].value is not expr)
            )
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            return self._fixed_attribute(expr)
        return False

    def _fixed_attribute(self, expr: cst.Attribute) -> bool:
        """``self.paths`` set only while the object is built and never grown: a fixed set."""
        method = self.index.scope(expr).function_scope()
        owner = method.class_scope
        if owner is None or not isinstance(expr.value, cst.Name) or expr.value.value != method.self_name:
            return False
        assigned = False
        for ref in self.index.attributes.get(expr.attr.value, ()):
            parent = self.index.parent(ref)
            if isinstance(parent, cst.AssignTarget) and parent.target is ref:
                if self.index.scope(ref).function_scope().name not in INIT_METHODS:
                    return False
                assigned = True
            elif (
                isinstance(parent, cst.Attribute)
                and parent.value is ref
                and parent.attr.value in GROW_METHODS
            ):
                return False
        return assigned

    def _constant_arguments(self, function: Scope, param: str) -> bool:
        position = function.params.index(param)
        if function.self_name or function.cls_name:
            position -= 1
        calls = [
            call
            for call in self.index.calls
            if (isinstance(call.func, cst.Name) and call.func.value == function.name)
            or (isinstance(call.func, cst.Attribute) and call.func.attr.value == function.name)
        ]
        if not calls or position < 0:
            return False
        for call in calls:
            positional = [a for a in call.args if a.keyword is None and not a.star]
            keyword = [a for a in call.args if a.keyword is not None and a.keyword.value == param]
            arg = keyword[0] if keyword else (positional[position] if position < len(positional) else None)
            if arg is None or not self._constant(arg.value):
                return False
        return True

    def _classify_argument(self, c: Container, ref: cst.BaseExpression, call: cst.Call) -> None:
        qualified = self.index.qualified_name(call.func) or ""
        first = call.args[0].value is ref if call.args else False
        if qualified == "builtins.len":
            test = self._enclosing_test(call)
            if test is not None:
                self._add(c, test, "check", "size check")
            return
        if qualified in _GROWERS and first:
            self._add(c, call, "grow", f"{qualified.rsplit('.', 1)[1]}()")
        elif qualified in _SHRINKERS and first:
            self._add(c, call, "shrink", f"{qualified.rsplit('.', 1)[1]}()")
        elif qualified not in _READERS and not _is_reader_method(call):
            name = qualified.rsplit(".", 1)[-1] if qualified else "a call"
            self._add(c, call, "escape", f"passed to {name}()")

    def _enclosing_test(self, node: cst.CSTNode) -> cst.If | None:
        """The ``if`` whose test holds ``node`` (``if len(x) >= N:``), if any."""
        child = node
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, cst.If):
                return ancestor if child is ancestor.test else None
            if isinstance(ancestor, (cst.BaseStatement, cst.BaseSmallStatement)):
                return None
            child = ancestor
        return None

    def _classify_alias(self, c: Container, ref: cst.BaseExpression, stmt: cst.CSTNode, depth: int) -> None:
        targets: list[cst.BaseExpression] = []
        if isinstance(stmt, cst.Assign):
            targets = [t.target for t in stmt.targets]
        elif isinstance(stmt, (cst.AnnAssign, cst.NamedExpr)):
            targets = [stmt.target]
        scope = self.index.scope(stmt)
        for target in targets:
            if (
                isinstance(target, cst.Name)
                and scope.kind in ("function", "comprehension", "lambda")
                and depth < 3
            ):
                self._follow_alias(c, target, scope.function_scope(), depth)
            else:
                self._add(c, stmt, "escape", "stored elsewhere")

    def _follow_alias(self, c: Container, alias: cst.Name, scope: Scope, depth: int) -> None:
        for use in self.index.names.get(alias.value, ()):
            if use is alias:
                continue
            if self.index.scope(use).function_scope() is not scope:
                continue
            parent = self.index.parent(use)
            if isinstance(parent, cst.AssignTarget) and parent.target is use:
                continue  # the alias is rebound; the container is untouched
            self._classify(c, use, depth + 1)


def _same(a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    left, right = dotted(a), dotted(b)
    return left is not None and left == right


def _in_del(index: ModuleIndex, node: cst.CSTNode) -> bool:
    """``del a[k], b[j]``: the subscript sits in a tuple under the ``del``."""
    parent = index.parent(node)
    while isinstance(parent, (cst.Element, cst.Tuple, cst.List)):
        parent = index.parent(parent)
    return isinstance(parent, cst.Del)


@dataclass(frozen=True)
class Judgement:
    """The verdict on one container: flagged, or safe with a reason."""

    safe: str | None  # reason slug when safe: "bounded-type", "evicted", "never-grows", ...
    detail: str  # human-readable reason or summary
    growth: tuple[Site, ...] = ()
    escapes: tuple[Site, ...] = ()
    warn_only: Site | None = None  # a size check whose branch does not bound the growth


def judge(container: Container) -> Judgement:
    """Decide whether a container is bounded, and why (computed once per container)."""
    if container.judgement is None:
        container.judgement = _judge(container)
    return container.judgement


def _judge(container: Container) -> Judgement:
    if container.bounded is not None:
        slug = "deque-maxlen" if container.bounded == "deque(maxlen)" else "bounded-type"
        return Judgement(slug, container.bounded)
    growth = container.of_kind("grow")
    if not growth:
        return Judgement("never-grows", "never grows after creation")
    if container.lifetime == "instance" and container.creation_phase == "runtime":
        where = _short(container.scope.qualname)
        return Judgement("reset", f"recreated in {where}() while the object runs")
    shrinks = container.of_kind("shrink", "reset")
    if shrinks:
        site = shrinks[0]
        verb = {"reset": "reset", "shrink": "evicted"}[site.kind]
        if site.how in ("trimmed by slicing", "del [slice]", "slice assignment"):
            verb = "trimmed"
        if site.how == ".clear()":
            verb = "cleared"
        slug = {"evicted": "evicted", "trimmed": "trimmed", "cleared": "cleared", "reset": "reset"}[verb]
        return Judgement(slug, f"{verb} in {_short(site.where)} ({site.how})")
    # Construction runs once per object: bounded for the object's own attributes, but a
    # module or class container filled from __init__ grows with every object created.
    runtime = [
        s for s in growth if s.phase == "runtime" or (s.phase == "init" and container.lifetime != "instance")
    ]
    if runtime and all(s.size_checked for s in runtime):
        return Judgement("size-checked", "grows only under a check of its size")
    runtime = [s for s in runtime if not s.size_checked]
    checks = container.of_kind("check")
    guards = [c for c in checks if _stops(c.node)]
    if runtime and guards and all(any(_same_function(g, s) for g in guards) for s in runtime):
        return Judgement("size-checked", "a size check stops the growth when it is full")
    if not runtime:
        phases = {s.phase for s in growth}
        if phases == {"import"}:
            return Judgement("filled-at-import", "filled only at import time")
        return Judgement("filled-in-init", "filled only while the object is built")
    if all(s.literal_key for s in runtime):
        return Judgement("literal-keys", "keys come only from literals")
    escapes = tuple(container.of_kind("escape"))
    warn_only = next((c for c in checks if any(_same_function(c, s) for s in runtime)), None)
    return Judgement(None, "grows and is never shrunk", tuple(runtime), escapes, warn_only)


def _short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def _is_reader_method(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in _READER_METHODS


def _identifiers(code: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))


def _stored_value(index: ModuleIndex, node: cst.CSTNode) -> cst.BaseExpression | None:
    """The value a growth site stores: ``v`` in ``d[k] = v`` or ``x.append(v)``."""
    if isinstance(node, cst.Call):
        return node.args[-1].value if node.args else None
    parent = index.parent(node)
    if isinstance(parent, cst.AssignTarget):
        assign = index.parent(parent)
        if isinstance(assign, cst.Assign):
            return assign.value
    return None


def _added_key(node: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(node, cst.Subscript):
        return subscript_key(node)
    if isinstance(node, cst.Call) and node.args:
        return node.args[0].value
    return None


def _same_function(a: Site, b: Site) -> bool:
    return a.scope.function_scope() is b.scope.function_scope()


def _stops(check: cst.CSTNode) -> bool:
    """Whether the branch of a size check leaves before the growth: return, raise, ..."""
    if not isinstance(check, cst.If):
        return False
    pending: list[cst.CSTNode] = [check.body]
    while pending:
        node = pending.pop()
        if isinstance(node, (cst.Return, cst.Raise, cst.Continue, cst.Break)):
            return True
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        pending.extend(children_of(node))
    return False
