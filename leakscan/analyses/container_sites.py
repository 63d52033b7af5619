"""Where a container is touched, and how: growth, shrink, reset, escape or a size check.

Every reference to a container is classified by what surrounds it (``x.append(v)``,
``x[k] = v``, ``del x[k]``, ``len(x)`` in an ``if``, ``return x``, ...), following local
aliases (``cache = self.cache``) and literals that hold it.  Growth sites also record
what they add and whether a size check guards them.
"""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.container_model import (
    AUTO_INSERT,
    GROW_AUGOPS,
    GROW_METHODS,
    GROWERS,
    QUEUE_SHRINK,
    QUEUES,
    READER_METHODS,
    READERS,
    SHRINK_AUGOPS,
    SHRINK_METHODS,
    SHRINKERS,
    Container,
    Site,
    SiteKind,
    bounded_entries,
)
from leakscan.analyses.exprs import (
    call_arg,
    contains,
    dotted,
    dotted_names,
    is_literal,
    is_slice,
    source,
    subscript_key,
)
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.analyses.key_checks import confined
from leakscan.analyses.phases import INIT_METHODS, Phases
from leakscan.analyses.size_checks import (
    capacity_check,
    checked_first,
    enclosing_test,
    only_reports,
    size_checked,
)


class SiteClassifier:
    def __init__(self, index: ModuleIndex, phases: Phases) -> None:
        self.index = index
        self.phases = phases
        self._wrapped: set[str] | None = None  # counters the code wraps back, once needed
        self._shrink_refs: dict[str, list[tuple[cst.Attribute, cst.CSTNode, str]]] = {}

    def classify(self, container: Container, refs: list[cst.BaseExpression]) -> None:
        """Record a site for every reference ``refs`` makes to ``container``."""
        for ref in refs:
            if ref is container.target:
                continue
            self._classify(container, ref, depth=0)
        if container.lifetime in ("class", "instance"):
            self._foreign_shrinks(container, set(refs))

    def _foreign_shrinks(self, container: Container, own: set[cst.BaseExpression]) -> None:
        """``owner.cache.clear()`` from another object still shrinks it (same attribute name)."""
        for ref, node, how in self._shrinks_of(container.name):
            if ref not in own and ref is not container.target:
                self._add(container, node, "shrink", how)

    def _shrinks_of(self, name: str) -> list[tuple[cst.Attribute, cst.CSTNode, str]]:
        """Every ``x.<name>.clear()`` and ``del x.<name>[k]`` in the module, found once per
        attribute name however many classes have an attribute of that name."""
        found = self._shrink_refs.get(name)
        if found is not None:
            return found
        found = self._shrink_refs[name] = []
        for ref in self.index.attributes.get(name, ()):
            parent = self.index.parent(ref)
            if isinstance(parent, cst.Attribute) and parent.value is ref:
                call = self.index.parent(parent)
                if isinstance(call, cst.Call) and call.func is parent and parent.attr.value in SHRINK_METHODS:
                    found.append((ref, call, f".{parent.attr.value}() via another reference"))
            elif (
                isinstance(parent, cst.Subscript)
                and parent.value is ref
                and (isinstance(self.index.parent(parent), cst.Del) or _in_del(self.index, parent))
            ):
                found.append((ref, parent, "del [...] via another reference"))
        return found

    def _add(
        self,
        container: Container,
        node: cst.CSTNode,
        kind: SiteKind,
        how: str,
        literal_key: bool = False,
        value_grows: bool = False,
    ) -> None:
        scope = self.index.scope(node)
        if kind in ("shrink", "reset") and self.phases.never_runs(scope.function_scope()):
            return  # ``def _trim_dead_letters(): del DEAD[:-200]`` that nothing calls bounds nothing
        phase = self.phases.of(scope.function_scope() if scope.kind == "comprehension" else scope)
        site = Site(node, scope, kind, how, phase, literal_key, value_grows=value_grows)
        if kind == "grow":
            site.size_checked = size_checked(self.index, container, node, scope)
            site.value = _stored_value(self.index, node)
            site.key = _added_key(node)
            site.cyclic_key = self.cyclic_key(site.key)
        container.sites.append(site)

    def cyclic_key(self, key: cst.BaseExpression | None) -> bool:
        """A ring buffer's slot: ``buf[i % n]``, or a counter the code wraps back
        (``if self.idx >= self.size: self.idx = 0``, ``self.idx = (self.idx + 1) % n``)."""
        if _modulo(key):
            return True
        name = dotted(key) if key is not None else None
        return name is not None and name in self._wrapped_counters()

    def _wrapped_counters(self) -> set[str]:
        """Every name the module wraps back, found in one pass over its assignments."""
        if self._wrapped is None:
            self._wrapped = set()
            for assign in self.index.assigns:
                self._wrapped.update(self._wrapped_by(assign))
        return self._wrapped

    def _wrapped_by(self, assign: cst.Assign | cst.AnnAssign | cst.AugAssign) -> list[str]:
        if isinstance(assign, cst.AugAssign):
            name = dotted(assign.target) if isinstance(assign.operator, cst.ModuloAssign) else None
            return [name] if name is not None else []
        targets = [t.target for t in assign.targets] if isinstance(assign, cst.Assign) else [assign.target]
        names = [n for n in (dotted(t) for t in targets if isinstance(t, cst.BaseExpression)) if n]
        if not names or _modulo(assign.value):
            return names
        if not isinstance(assign.value, cst.Integer):
            return []
        tested: set[str] = set()  # a reset under a test of the counter itself
        for ancestor in self.index.ancestors(assign):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                break
            if isinstance(ancestor, cst.If):
                tested |= dotted_names(ancestor.test)
        return [n for n in names if n in tested]

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
            if isinstance(parent.operator, GROW_AUGOPS):
                self._add(c, parent, "grow", "+=" if isinstance(parent.operator, cst.AddAssign) else "|=")
            elif isinstance(parent.operator, SHRINK_AUGOPS):
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
            if (
                isinstance(holder, cst.For)
                and holder.iter is literal
                and isinstance(holder.target, cst.Name)
                and depth < 3
            ):
                # ``for cache in (self._a, self._b): del cache[k]``: each pass is an alias.
                self._follow_alias(c, holder.target, index.scope(holder).function_scope(), depth)
            elif isinstance(holder, cst.AssignTarget) and holder.target is literal:
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
                and (qualified or "") not in READERS
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
            handed = self.index.parent(call) if isinstance(call, cst.Arg) else None
            if (
                isinstance(call, cst.Arg)
                and method in SHRINK_METHODS
                and isinstance(handed, cst.Call)
                and isinstance(handed.func, cst.Attribute)
                and handed.func.attr.value in _CALLBACK_REGISTRARS
            ):
                # ``task.add_done_callback(self._tasks.discard)``: each task removes itself.
                self._add(c, handed, "shrink", f".{method} as a callback")
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
            chained = self.index.parent(call)
            if (
                method == "setdefault"
                and isinstance(chained, cst.Attribute)
                and chained.attr.value in GROW_METHODS
            ):
                # ``d.setdefault("all", []).append(v)``: the value under the fixed key grows.
                self._add(c, call, "grow", f".setdefault().{chained.attr.value}()", value_grows=True)
                return
            item = _added_key(call)
            if (
                c.family == "sequence"
                and item is not None
                and is_literal(item)
                and checked_first(self.index, call)
            ):
                literal = True  # ``if ms[2][0] != "shell": ms.insert(2, ("shell", ...))``: added once
            self._add(c, call, "grow", f".{method}()", literal)
        elif method in SHRINK_METHODS or (c.kind in QUEUES and method in QUEUE_SHRINK):
            self._add(c, call, "shrink", f".{method}()")
        elif method in ("values", "items") and c.family == "mapping" and c.kind not in AUTO_INSERT:
            self._value_shrinks(c, call, method)

    def _value_shrinks(self, c: Container, call: cst.Call, method: str) -> None:
        """``for members in self.rooms.values(): members.discard(user)``: shrinking each value
        bounds the values, as ``d[k].discard(v)`` does (not with auto-insertion, whose keys
        still accumulate)."""
        loop = self.index.parent(call)
        if not (isinstance(loop, cst.For) and loop.iter is call):
            return
        target: cst.BaseExpression = loop.target
        if method == "items":
            if not (isinstance(target, cst.Tuple) and len(target.elements) == 2):
                return
            target = target.elements[1].value
        if not isinstance(target, cst.Name):
            return
        for use in self.index.names.get(target.value, ()):
            attr = self.index.parent(use)
            if not (use is not target and contains(loop.body, use) and isinstance(attr, cst.Attribute)):
                continue
            shrink = self.index.parent(attr)
            if attr.value is use and attr.attr.value in SHRINK_METHODS and isinstance(shrink, cst.Call):
                self._add(c, shrink, "shrink", f"each of .{method}() .{attr.attr.value}()")
                return

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
            if c.kind in AUTO_INSERT:
                self._add(c, item, "grow", "[key] += ...", literal)
            return
        if isinstance(parent, cst.Del) or _in_del(index, item):
            self._add(c, item, "shrink", "del [slice]" if is_slice(item) else "del [key]")
            return
        if c.family != "mapping":
            return
        if (
            isinstance(parent, (cst.Assign, cst.NamedExpr))
            and parent.value is item
            and c.kind == "defaultdict"
        ):
            # ``seen = recent[user_id]; seen.append(x)``: the read inserts the key.
            grows = self._alias_grows(parent)
            if grows and bounded_entries(c.value, index):
                grows = False  # ``window = prices[sym]; window.append(p)`` into a deque(maxlen)
            for length in self._alias_lengths(parent):
                self._entry_check(c, length)  # ``history = d[k]; if len(history) > N: warn``
            if grows is not None:
                self._add(c, item, "grow", "[key] read, then changed", literal, value_grows=grows)
            else:
                self._read_inserts(c, item, key, literal)
            return
        # Nested use of a value: d[k].append(v), d[k][j] = v, d[k] += ... on the value.
        if isinstance(parent, cst.Attribute) and parent.value is item:
            call = index.parent(parent)
            if isinstance(call, cst.Call) and call.func is parent:
                if parent.attr.value in GROW_METHODS:
                    # The value under a literal key still grows: not bounded by the key,
                    # unless every value is a bounded container (``deque(maxlen=N)``).
                    grows = not bounded_entries(c.value, index)
                    if not grows and c.kind not in AUTO_INSERT:
                        return  # ``candles[s].append(t)`` on a plain dict adds no key either
                    self._add(
                        c,
                        call,
                        "grow",
                        f"[key].{parent.attr.value}()",
                        literal and not grows,
                        value_grows=grows,
                    )
                elif parent.attr.value in SHRINK_METHODS and c.kind not in AUTO_INSERT:
                    # Shrinking a value bounds the values; with auto-insertion (defaultdict,
                    # Counter) the keys still accumulate unless a key is removed.
                    self._add(c, call, "shrink", f"[key].{parent.attr.value}()")
                elif parent.attr.value not in SHRINK_METHODS:
                    self._read_inserts(c, item, key, literal)  # ``locks[user].acquire()``
            return
        if isinstance(parent, (cst.WithItem, cst.Arg, cst.Return)):
            self._read_inserts(c, item, key, literal)  # ``with locks[user_id]:``
            if isinstance(parent, cst.Arg):
                self._entry_check(c, index.parent(parent))  # ``if len(d[k]) > 50: log...``
            return
        if isinstance(parent, cst.Subscript) and parent.value is item:
            grand = index.parent(parent)
            stored = (isinstance(grand, cst.AssignTarget) and grand.target is parent) or (
                isinstance(grand, cst.AugAssign) and grand.target is parent
            )
            if stored and c.kind in AUTO_INSERT:
                # ``by_route[route][ip] += 1``: the key is inserted, and the value under it
                # grows unless its own key is fixed too.
                inner = subscript_key(parent)
                grows = inner is None or not self._bounded_key(inner)
                how = "[key][...] = value" if isinstance(grand, cst.AssignTarget) else "[key][...] += ..."
                self._add(c, parent, "grow", how, literal, value_grows=grows)
            elif isinstance(grand, cst.Del) or _in_del(index, parent):
                self._add(c, parent, "shrink", "del [key][...]")

    def _read_inserts(
        self, c: Container, item: cst.Subscript, key: cst.BaseExpression | None, literal: bool
    ) -> None:
        """Reading a missing key of a ``defaultdict`` inserts it (``Counter`` does not),
        unless the read sits under ``if key in d:``."""
        if c.kind != "defaultdict" or key is None:
            return
        receiver = source(item.value)
        if confined(self.index, item, source(key), lambda expr: source(expr) == receiver):
            return  # ``if key in d: d[key]``, ``if job not in locks: raise``
        self._add(c, item, "grow", "[key] read (a defaultdict inserts it)", literal)

    def _entry_check(self, c: Container, length: cst.CSTNode | None) -> None:
        """``if len(d[k]) > 50: log.error(...)``: a size check on one entry whose branch only
        reports.  It bounds nothing, not even the entry; it marks the author's worry (LK103)."""
        if not (
            isinstance(length, cst.Call)
            and isinstance(length.func, cst.Name)
            and length.func.value == "len"
            and capacity_check(self.index, length)
        ):
            return
        test = enclosing_test(self.index, length)
        if test is not None and only_reports(test):
            self._add(c, test, "check", "entry size check")

    def _alias_lengths(self, assign: cst.Assign | cst.NamedExpr) -> list[cst.Call]:
        """``len(value)`` calls on the local bound by ``value = d[k]``."""
        targets = [assign.target] if isinstance(assign, cst.NamedExpr) else [t.target for t in assign.targets]
        if len(targets) != 1 or not isinstance(targets[0], cst.Name):
            return []
        alias = targets[0]
        scope = self.index.scope(assign).function_scope()
        found = []
        for use in self.index.names.get(alias.value, ()):
            if use is alias or self.index.scope(use).function_scope() is not scope:
                continue
            arg = self.index.parent(use)
            call = self.index.parent(arg) if isinstance(arg, cst.Arg) else None
            if isinstance(call, cst.Call):
                found.append(call)
        return found

    def _alias_grows(self, assign: cst.Assign | cst.NamedExpr) -> bool | None:
        """For ``value = d[k]`` (or ``(value := d[k])``): None if ``value`` is never changed,
        else whether it grows (``value.append(x)``) rather than being updated in place
        (``value["wins"] += 1``)."""
        if isinstance(assign, cst.NamedExpr):
            target: cst.BaseExpression = assign.target
        elif len(assign.targets) == 1:
            target = assign.targets[0].target
        else:
            return None
        if not isinstance(target, cst.Name):
            return None
        alias = target
        scope = self.index.scope(assign).function_scope()
        changed: bool | None = None
        for use in self.index.names.get(alias.value, ()):
            if use is alias or self.index.scope(use).function_scope() is not scope:
                continue
            parent = self.index.parent(use)
            if isinstance(parent, cst.Attribute) and parent.value is use:
                if parent.attr.value in GROW_METHODS:
                    return True
                if parent.attr.value in SHRINK_METHODS:
                    changed = False
            elif isinstance(parent, cst.AugAssign) and parent.target is use:
                return True
            elif isinstance(parent, cst.Subscript) and parent.value is use:
                holder = self.index.parent(parent)
                if (isinstance(holder, cst.AssignTarget) and holder.target is parent) or (
                    isinstance(holder, cst.AugAssign) and holder.target is parent
                ):
                    changed = False
        return changed

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
            return fixed_attribute(self.index, expr)
        return False

    def _constant_arguments(self, function: Scope, param: str) -> bool:
        position = function.params.index(param)
        if function.self_name or function.cls_name:
            position -= 1
        calls = self.index.calls_to(function.name)
        if not calls or position < 0:
            return False
        for call in calls:
            arg = call_arg(call, position, param)
            if arg is None or not self._constant(arg):
                return False
        return True

    def _classify_argument(self, c: Container, ref: cst.BaseExpression, call: cst.Call) -> None:
        qualified = self.index.qualified_name(call.func) or ""
        first = call.args[0].value is ref if call.args else False
        if qualified == "builtins.len":
            test = enclosing_test(self.index, call)
            if test is not None and capacity_check(self.index, call):
                periodic = isinstance(self.index.parent(call), cst.BinaryOperation)
                self._add(c, test, "check", "periodic size check" if periodic else "size check")
            return
        if qualified in GROWERS and first:
            self._add(c, call, "grow", f"{qualified.rsplit('.', 1)[1]}()")
        elif qualified in SHRINKERS and first:
            self._add(c, call, "shrink", f"{qualified.rsplit('.', 1)[1]}()")
        elif qualified not in READERS and not _is_reader_method(call):
            name = qualified.rsplit(".", 1)[-1] if qualified else "a call"
            self._add(c, call, "escape", f"passed to {name}()")

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
        uses = [
            use
            for use in self.index.names.get(alias.value, ())
            if use is not alias and self.index.scope(use).function_scope() is scope
        ]
        if any(_is_store(self.index, use) for use in uses):
            # ``opts = self.opts; if extra: opts = opts.copy(); opts.update(extra)``: without
            # following the flow we cannot tell which object a later use reaches.
            return
        for use in uses:
            self._classify(c, use, depth + 1)


# Methods that store a callable to run later: a bound ``discard`` handed to one shrinks.
_CALLBACK_REGISTRARS = frozenset({"add_done_callback", "call_soon", "call_later", "addBoth", "addCallback"})


def _is_store(index: ModuleIndex, name: cst.Name) -> bool:
    """``name`` is (part of) an assignment target, a loop variable or a ``with ... as``."""
    parent = index.parent(name)
    while isinstance(parent, (cst.Element, cst.Tuple, cst.List, cst.StarredElement)):
        parent = index.parent(parent)
    if isinstance(parent, cst.AsName):
        return True
    if isinstance(parent, (cst.AssignTarget, cst.For, cst.CompFor, cst.NamedExpr, cst.AnnAssign)):
        return parent.target is not None and contains(parent.target, name)
    return False  # ``alias += [x]`` mutates the list in place: still the container


def _modulo(expr: cst.BaseExpression | None) -> bool:
    """``i % n``; not ``"user:%s" % uid``, which formats a string."""
    return (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, cst.Modulo)
        and not isinstance(expr.left, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))
    )


def _same(a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    left, right = dotted(a), dotted(b)
    return left is not None and left == right


def _in_del(index: ModuleIndex, node: cst.CSTNode) -> bool:
    """``del a[k], b[j]``: the subscript sits in a tuple under the ``del``."""
    parent = index.parent(node)
    while isinstance(parent, (cst.Element, cst.Tuple, cst.List)):
        parent = index.parent(parent)
    return isinstance(parent, cst.Del)


def _is_reader_method(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in READER_METHODS


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
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and isinstance(node.func.value, cst.Subscript)
    ):
        return subscript_key(node.func.value)  # ``d[k].append(v)`` adds ``k``
    if isinstance(node, cst.Call) and node.args:
        insert = isinstance(node.func, cst.Attribute) and node.func.attr.value == "insert"
        return node.args[1].value if insert and len(node.args) > 1 else node.args[0].value
    return None


def fixed_attribute(index: ModuleIndex, expr: cst.Attribute) -> bool:
    """``self.paths`` set only while the object is built and never grown: a fixed set."""
    method = index.scope(expr).function_scope()
    owner = method.class_scope
    if owner is None or not isinstance(expr.value, cst.Name) or expr.value.value != method.self_name:
        return False
    assigned = False
    for ref in index.attributes.get(expr.attr.value, ()):
        parent = index.parent(ref)
        if isinstance(parent, (cst.AssignTarget, cst.AnnAssign)) and parent.target is ref:
            if index.scope(ref).function_scope().name not in INIT_METHODS:
                return False
            assigned = True  # ``self.candles: dict[str, deque] = {...}`` too
        elif isinstance(parent, cst.Attribute) and parent.value is ref and parent.attr.value in GROW_METHODS:
            return False
        elif isinstance(parent, cst.AugAssign) and parent.target is ref:
            return False  # ``self._next_id += 1``: a counter
        elif isinstance(parent, cst.Subscript) and parent.value is ref:
            holder = index.parent(parent)
            stored = (isinstance(holder, cst.AssignTarget) and holder.target is parent) or (
                isinstance(holder, cst.AugAssign) and holder.target is parent
            )
            if stored and index.scope(ref).function_scope().name not in INIT_METHODS:
                return False  # ``self.sessions[k] = s`` at run time
    return assigned
