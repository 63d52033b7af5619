"""Container facts: where long-lived containers are born, and every place they grow or shrink.

A *container* is a dict, set, list, deque, queue, ... stored somewhere that outlives a
call: a module global, a class attribute, or an instance attribute.  For each one we
collect its *sites*: every reference, classified as growth, shrink, reset, escape or a
plain read, following local aliases (``cache = self.cache``).  Rules then decide.
"""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.container_model import (
    GROW_METHODS,
    SHRINK_METHODS,
    Container,
    Family,
    Judgement,
    Lifetime,
    Site,
    constructor_of,
    field_factory,
)
from leakscan.analyses.container_sites import SiteClassifier
from leakscan.analyses.container_verdict import judge
from leakscan.analyses.exprs import all_params, dotted, source, subscript_key
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.analyses.phases import INIT_METHODS, Phases

__all__ = [
    "GROW_METHODS",
    "SHRINK_METHODS",
    "Container",
    "ContainerAnalysis",
    "Family",
    "Judgement",
    "Site",
    "constructor_of",
    "judge",
]


class ContainerAnalysis:
    """Finds long-lived containers and classifies every site that touches them."""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self.phases = index.analysis(Phases)
        self.sites = SiteClassifier(index, self.phases)
        self._related: dict[Scope, set[Scope]] = {}
        self._annotated: dict[tuple[Scope, str, Scope], bool] = {}
        self._bindings: dict[tuple[Scope, str], tuple[Scope, str] | None] = {}
        self.containers: list[Container] = []
        self._collect()
        self._collect_closures()
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
                if lifetime == "class" and field_factory(assign.value, self.index) is not None:
                    lifetime = "instance"  # a dataclass field: one container per object
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

    def _collect_closures(self) -> None:
        """``def memoize(fn): cache = {}; def wrapper(x): cache[x] = ...``: a local that a
        nested function keeps alive lives as long as that function (for a decorator, as
        long as the decorated function: the process)."""
        seen: set[str] = set()
        # Only functions that return a function of their own can keep a local alive.
        returning = {
            scope.parent.function_scope()
            for scope in self.index.scopes
            if scope.kind in ("function", "lambda")
            and scope.parent is not None
            and scope.parent.kind == "function"
        }
        for assign in self.index.assigns:
            if isinstance(assign, cst.AugAssign) or assign.value is None:
                continue
            function = self.index.scope_of[assign]
            if function.kind != "function" or function not in returning:
                continue
            built = constructor_of(assign.value, self.index)
            targets = (
                [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
            )
            for target in targets:
                if built is None or not isinstance(target, cst.Name):
                    continue
                name = target.value
                symbol = f"{function.qualname}.<locals>.{name}"
                if symbol in seen or name in function.globals or name in function.nonlocals:
                    continue
                refs = self._closure_refs(function, name)
                if not any(self._returned_closure(self.index.scope(ref), function) for ref in refs):
                    continue
                seen.add(symbol)
                kind, family, bounded = built
                container = Container(
                    symbol, name, "closure", kind, family, target, assign.value, function, None, bounded
                )
                container.creation_phase = self.phases.of(function)
                self.containers.append(container)

    def _returned_closure(self, scope: Scope, function: Scope) -> bool:
        """``scope`` is (inside) a function nested in ``function`` that ``function`` returns:
        it outlives the call, and so does what it keeps.  Helpers called only inside the
        call die with its frame."""
        current: Scope | None = scope
        while current is not None and current is not function:
            holder = self.index.parent(current.node) if current.kind == "lambda" else None
            if isinstance(holder, cst.Return) and self.index.scope(holder).function_scope() is function:
                return True  # ``return lambda key: cache.setdefault(key, compute(key))``
            current = current.parent
        inner: Scope | None = scope.function_scope()
        while (
            inner is not None and inner.parent is not None and inner.parent.function_scope() is not function
        ):
            inner = inner.parent.function_scope() if inner.parent.kind != "module" else None
        if inner is None or inner is function or inner.kind != "function":
            return False
        for ref in self.index.names.get(inner.name, ()):
            holder = self.index.parent(ref)
            if isinstance(holder, cst.Return) and self.index.scope(holder).function_scope() is function:
                return True
        return False

    def _closure_refs(self, function: Scope, name: str) -> list[cst.BaseExpression]:
        """Uses of ``name`` in ``function`` and the functions nested in it that reach its binding."""
        refs: list[cst.BaseExpression] = []
        for ref in self.index.names.get(name, ()):
            parent = self.index.parent(ref)
            if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Param)) or (
                isinstance(parent, cst.Arg) and parent.keyword is ref
            ):
                continue
            scope: Scope | None = self.index.scope(ref)
            while scope is not None and scope is not function:
                if scope.kind == "function" and name in scope.bindings and name not in scope.nonlocals:
                    break  # shadowed by a local of the nested function
                scope = scope.parent
            if scope is function:
                refs.append(ref)
        return refs

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
        if container.lifetime == "closure":
            return self._closure_refs(container.scope, container.name)
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
        if container.lifetime == "instance":
            # A record's field is filled from outside (``self.stats.rejected.append(t)``), and
            # so is a module singleton's attribute (``hub = ChatHub()``; ``hub.rooms[n] = r``)
            # or that of an object another one holds (``self.cache.by_client[ip] += n``).
            record = field_factory(container.value, index) is not None
            refs += self._outside_refs(container, related, refs, singleton_only=not record)
        if container.lifetime == "class":
            # Inside the class body the attribute is a plain name.
            for ref in index.names.get(container.name, ()):
                if index.scope(ref) is owner:
                    refs.append(ref)
        return refs

    def _outside_refs(
        self,
        container: Container,
        related: set[Scope],
        own: list[cst.BaseExpression],
        singleton_only: bool = False,
    ) -> list[cst.BaseExpression]:
        """``obj.field`` outside the class, when no other class here has an attribute of that
        name (``self.x`` in another class's method is that class's own ``x``).  With
        ``singleton_only``, ``obj`` must be the module global bound to the class's object."""
        index = self.index
        others = {c.owner for c in self.containers if c.name == container.name and c.owner not in related}
        if others or any(
            scope.kind == "class" and scope not in related and container.name in scope.bindings
            for scope in index.scopes
        ):
            return []
        holders = self._holders(container.owner, singleton_only) if container.owner is not None else set()
        found: list[cst.BaseExpression] = []
        for ref in index.attributes.get(container.name, ()):
            if ref in own or ref is container.target:
                continue
            base = ref.value
            held = (
                base.value
                if isinstance(base, cst.Name)
                else base.attr.value
                if isinstance(base, cst.Attribute)
                else None
            )
            typed = isinstance(base, cst.Name) and self._annotated_as(base, container.owner)
            if held not in holders and not typed:
                continue  # ``form.errors``: not known to be one of ours
            if (
                singleton_only
                and isinstance(base, cst.Name)
                and not typed
                and not index.scope(ref).resolves_to_module(base.value)
            ):
                continue  # a local ``hub`` is not the module's
            method = self._method_binding(index.scope(ref), ref.value)
            if method is not None and method[1] == "self" and method[0].class_scope not in related:
                continue  # another class's own attribute
            found.append(ref)
        return found

    def _annotated_as(self, name: cst.Name, owner: Scope | None) -> bool:
        """``hub: Hub = request.app["hub"]`` or ``def poll(hub: Hub)``: a variable the code
        declares to hold an object of ``owner``."""
        if owner is None:
            return False
        function = self.index.scope(name).function_scope()
        if name.value in (function.self_name, function.cls_name):
            return False  # ``self`` is its own class's, handled as such
        memo_key = (function, name.value, owner)
        found = self._annotated.get(memo_key)
        if found is None:
            found = self._annotated[memo_key] = self._declared_as(name, function, owner)
        return found

    def _declared_as(self, name: cst.Name, function: Scope, owner: Scope) -> bool:
        node = function.node
        annotations: list[cst.BaseExpression] = []
        if isinstance(node, cst.FunctionDef):
            annotations += [
                p.annotation.annotation
                for p in all_params(node)
                if p.name.value == name.value and p.annotation
            ]
        for use in self.index.names.get(name.value, ()):
            holder = self.index.parent(use)
            if (
                isinstance(holder, cst.AnnAssign)
                and holder.target is use
                and self.index.scope(use).function_scope() is function
            ):
                annotations.append(holder.annotation.annotation)
        return any(
            dotted(a) == owner.name
            or (isinstance(a, cst.SimpleString) and a.value.strip("\"'") == owner.name)
            for a in annotations
        )

    def _holders(self, owner: Scope, module_only: bool = False) -> set[str]:
        """Names and attributes bound to an object of ``owner``: ``stats = Stats()``,
        ``self.cache = ResponseCache()``; with ``module_only``, names only at module level
        (a local ``hub`` may be any object), attributes anywhere."""
        names: set[str] = set()
        for call in self.index.calls:
            if not (isinstance(call.func, cst.Name) and call.func.value == owner.name):
                continue
            assign = self.index.parent(call)
            if isinstance(assign, cst.Assign):
                at_module = self.index.scope(assign) is self.index.root
                for t in assign.targets:
                    if isinstance(t.target, cst.Name) and (at_module or not module_only):
                        names.add(t.target.value)
                    elif isinstance(t.target, cst.Attribute):
                        names.add(t.target.attr.value)
        return names

    def related_classes(self, owner: Scope) -> set[Scope]:
        return self._related_classes(owner)

    def _related_classes(self, owner: Scope) -> set[Scope]:
        """The class and its subclasses defined in the same module (once per class)."""
        found = self._related.get(owner)
        if found is None:
            found = self._related[owner] = self._subclass_closure(owner)
        return found

    def _subclass_closure(self, owner: Scope) -> set[Scope]:
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
        key = (scope, base.value)
        if key in self._bindings:
            return self._bindings[key]
        found = self._bindings[key] = self._binding_of(scope, base.value)
        return found

    def _binding_of(self, scope: Scope, name: str) -> tuple[Scope, str] | None:
        current: Scope | None = scope
        while current is not None and current.kind != "module":
            if current.kind == "function" and name in current.bindings:
                if name == current.self_name:
                    return (current, "self")
                if name == current.cls_name:
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

    def references(self, container: Container) -> list[cst.BaseExpression]:
        """Every expression that names ``container`` (its creation included)."""
        return self._references(container)

    def _classify_sites(self, container: Container) -> None:
        self.sites.classify(container, self._references(container))
        growth = container.of_kind("grow")
        for site in container.of_kind("shrink"):
            site.lazy = self._lazy_expiry(site, growth)

    def _lazy_expiry(self, shrink: Site, growth: list[Site]) -> bool:
        """``entry = cache.get(token); if entry.expired: del cache[token]`` and later
        ``cache[token] = fresh``: the entry goes only when its own key comes back, and keys
        that never come back (expired tokens, closed sessions) stay forever.  A removal
        after the growth (``finally: active.pop(conn_id)``) or a sweep over the container's
        own keys does bound it."""
        key = _removed_key(shrink.node)
        if key is None or self._iterates_container(key, shrink):
            return False
        text = source(key)
        function = shrink.scope.function_scope()
        return any(
            g.key is not None
            and g.scope.function_scope() is function
            and source(g.key) == text
            and self.index.before(shrink.node, g.node)
            and not self.index.in_finally(shrink.node)
            for g in growth
        )

    def _iterates_container(self, key: cst.BaseExpression, shrink: Site) -> bool:
        """``for pid in [p for p in cache if p not in alive]: del cache[pid]``: a sweep (any
        loop over keys, to be safe)."""
        if not isinstance(key, cst.Name):
            return False
        for ancestor in self.index.ancestors(shrink.node):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                return False
            if (
                isinstance(ancestor, cst.For)
                and isinstance(ancestor.target, cst.Name)
                and ancestor.target.value == key.value
            ):
                return True
        return False


def _removed_key(node: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(node, cst.Subscript):
        return subscript_key(node)
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in ("pop", "discard", "remove")
        and node.args
    ):
        return node.args[0].value
    return None
