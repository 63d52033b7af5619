"""Where a container's keys come from: the program's own entities, or its input.

A cache keyed by module names, classes or grammar symbols holds at most one entry per
thing the program defines; a cache keyed by user ids grows with the traffic.  Names give
the first hint (``names.program_bounded_key``); this analysis follows the key back
through the function that adds it:

- local assignments and loop variables (``fullname = module.__name__``,
  ``for name, module in sys.modules.items()``);
- pure operations on bounded values (``name.upper()``, ``os.path.realpath(f)``,
  ``f"{package}.{module}"``, tuples of them): the image of a finite set is finite;
- a value used as a class (``class Wrapped(widget):``, ``isinstance(x, kind)``);
- parameters typed with finitely many values (an Enum of the module, ``bool``,
  ``Literal[...]``, ``type[...]``), and keys checked against a fixed set or range before
  they are stored (``if hook not in HOOKS: raise``, ``COMMANDS[name]``);
- parameters of private functions, through every call the module makes to them, and the
  name ``__getattr__`` receives (``sentinel.MISSING``: spelled in the code).

Anything read from the outside (files, sockets, other functions' results) is not bounded:
``for item in fetch(FEED_URL)`` yields new items on every poll.
"""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.container_sites import fixed_attribute
from leakscan.analyses.containers import Container, ContainerAnalysis, judge
from leakscan.analyses.exprs import all_params, call_arg, contains, dotted, is_literal, source
from leakscan.analyses.finite_types import FiniteTypes, annotation_of
from leakscan.analyses.index import ModuleIndex, Scope, descendants
from leakscan.analyses.key_checks import admits, checks_before, collection, confined, rejects
from leakscan.analyses.lifetime import long_lived_class
from leakscan.analyses.loops import LoopAnalysis
from leakscan.analyses.names import component_name, data_named, program_bounded_key
from leakscan.analyses.purity import IMPURE_METHODS, pure_call, reads_only_arguments

_MODULE_DUNDERS = frozenset({"__name__", "__package__", "__file__", "__spec__", "__qualname__", "__module__"})
_FIXED_CONTENT = frozenset({"filled-at-import", "never-grows", "literal-keys", "filled-in-init"})
_MAX_DEPTH = 5
Seen = dict[cst.CSTNode, bool]


class KeyDomains:
    """Answers one question per growth site: do its keys come from a domain the program bounds?"""

    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self.types = index.analysis(FiniteTypes)
        # Functions by where they are defined, looked up once: module level, or a class.
        self._defined: dict[tuple[Scope | None, str], Scope] = {}
        for scope in index.scopes:
            if isinstance(scope.node, cst.FunctionDef):
                owner = None if scope.parent is index.root else scope.class_scope
                if owner is not None or scope.parent is index.root:
                    self._defined.setdefault((owner, scope.name), scope)
        self._functions = {name for owner, name in self._defined if owner is None}
        self._given: set[Scope] = set()  # helpers whose parameters are taken as bounded
        self._pure: dict[Scope, bool] = {}
        self._by_name: dict[tuple[Scope | None, str], list[Container]] | None = None

    def program_bounded(self, key: cst.BaseExpression | None) -> bool:
        return key is not None and self._bounded(key, 0, {})

    def _bounded(self, expr: cst.BaseExpression, depth: int, seen: Seen) -> bool:
        """``seen`` holds what one question has already decided; a cycle counts as unbounded."""
        if expr in seen:
            return seen[expr]
        if depth > _MAX_DEPTH:
            return False
        seen[expr] = False
        seen[expr] = result = self._decide(expr, depth, seen)
        return result

    def _decide(self, expr: cst.BaseExpression, depth: int, seen: Seen) -> bool:
        if is_literal(expr):
            # ``BUILD_QUEUE`` is UPPER_CASE but a queue of jobs, not a constant.
            return not (isinstance(expr, cst.Name) and self._changing_container(expr.value))
        if program_bounded_key(expr) and not self._read_from_data(expr):
            return True  # ``kind``, ``cls``: a name's hint, unless the code says otherwise
        if isinstance(expr, cst.Name):
            return expr.value in _MODULE_DUNDERS or self._bounded_name(expr, depth, seen)
        if isinstance(expr, cst.Attribute):
            return (
                dotted(expr) == "sys.modules"
                or self._configuration(expr)
                or self._validated(expr)  # ``if tick.symbol not in self.candles: return``
                or (component_name(expr) and not self._local_value(expr.value))
                or self._bounded(expr.value, depth + 1, seen)
            )
        if isinstance(expr, cst.Subscript):
            if dotted(expr.value) == "sys.modules":
                return True  # a module object
            if self._validated(expr):
                return True  # ``if parts[3] not in METRICS: return``
            if any(isinstance(e.slice, cst.Slice) for e in expr.slice):
                # ``name[:i]``: the pieces of finitely many strings are finitely many.
                return self._bounded(expr.value, depth + 1, seen)
            indices = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
            return len(indices) == len(expr.slice) and all(
                self._bounded(part, depth + 1, seen) for part in (expr.value, *indices)
            )
        if isinstance(expr, cst.Call):
            return self._bounded_call(expr, depth, seen)
        if isinstance(expr, cst.IfExp):
            # ``level if level in LEVELS else "OTHER"``: the test confines the branch it picks.
            branches = []
            for branch, other, check in ((expr.body, expr.orelse, admits), (expr.orelse, expr.body, rejects)):
                if isinstance(branch, cst.Name) and check(expr.test, branch.value, self._fixed):
                    branches = [other]
            if branches:
                return all(self._bounded(b, depth + 1, seen) for b in branches)
        parts = _parts(expr)
        return parts is not None and all(self._bounded(part, depth + 1, seen) for part in parts)

    def _bounded_call(self, call: cst.Call, depth: int, seen: Seen) -> bool:
        args = [a.value for a in call.args]
        func = call.func
        qualified = self.index.qualified_name(func) or ""
        if pure_call(qualified):
            return bool(args) and all(self._bounded(a, depth + 1, seen) for a in args)
        helper = self._helper(call)
        if helper is not None:
            # ``name, spec = self.route_for(path)``: what the helper returns decides.
            if self._returns_bounded(helper, depth, seen):
                return True
            # ``getabsfile(module)`` for a module of ``sys.modules``: a helper that reads
            # nothing but its arguments maps finitely many arguments to finitely many results.
            return (
                bool(args)
                and all(self._bounded(a, depth + 1, seen) for a in args)
                and self._deterministic(helper)
                and self._returns_bounded_given(helper, depth, seen)
            )
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value not in IMPURE_METHODS
            and not (isinstance(func.value, cst.Name) and self._module_entity(func.value.value))
        ):
            # Not ``requests.get(URL)`` or ``Repo.load(KEY)``: a module or class may look outside.
            # A method of a bounded value: ``name.upper()``, ``sys.modules.copy().items()``.
            return all(self._bounded(part, depth + 1, seen) for part in (func.value, *args))
        return False

    def _helper(self, call: cst.Call) -> Scope | None:
        """The function of this module (or method of the caller's class) ``call`` runs."""
        func = call.func
        if isinstance(func, cst.Name):
            return self._defined.get((None, func.value))
        caller = self.index.scope(call).function_scope()
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and caller.self_name is not None
            and func.value.value == caller.self_name
        ):
            return self._defined.get((caller.class_scope, func.attr.value))
        return None

    def _returns_bounded(self, function: Scope, depth: int, seen: Seen) -> bool:
        """Every ``return`` of ``function`` gives a bounded value (``return None`` too).  A
        generator or a function without a ``return`` gives nothing to go on."""
        if function.is_generator:
            return False
        returns = [r.value for r in self.index.returns if self.index.scope(r).function_scope() is function]
        return bool(returns) and all(
            value is None or self._bounded(value, depth + 1, seen) for value in returns
        )

    def _returns_bounded_given(self, function: Scope, depth: int, seen: Seen) -> bool:
        """Every ``return`` of ``function`` is bounded when its parameters are."""
        if function in self._given:
            return False  # recursion: nothing new to learn
        self._given.add(function)
        try:
            # Answers given under the assumption must not leak into the question's memo.
            return self._returns_bounded(function, depth, {})
        finally:
            self._given.discard(function)

    def _deterministic(self, function: Scope) -> bool:
        answer = self._pure.get(function)
        if answer is None:
            answer = self._pure[function] = reads_only_arguments(self.index, function)
        return answer

    def _bounded_name(self, name: cst.Name, depth: int, seen: Seen) -> bool:
        inner = self.index.scope(name)
        scope = inner.function_scope()
        local = False
        while True:
            if name.value in inner.bindings or name.value in inner.params:
                local = inner.kind != "module"
                break
            if inner is scope or inner.parent is None:
                break
            inner = inner.parent
        if not local:
            return self._module_entity(name.value) or self._module_constant(name)
        if self._used_as_class(name.value, scope) or self._validated(name):
            return True
        if name.value in scope.params:
            if scope in self._given:
                return True  # the helper's result is asked for bounded arguments
            annotation = annotation_of(scope, name.value)
            if annotation is not None and self.types.finite_type(annotation):
                return True
            if self.types.enum_default(scope, name.value):
                return True
            if self.types.flag(scope, name.value):
                return True
            if self._bounded_parameter(scope, name.value, depth, seen):
                return True
            if (
                not data_named(name)
                and scope.kind == "function"
                and self._passed_values_bounded(scope, name.value, depth, seen) is True
            ):
                # ``METRICS.observe(request.endpoint or "unknown")``: every call here passes a
                # bounded value, and the name does not say a caller's data (``user_id`` would).
                return True
            # Nothing here says where a public function's ``name`` comes from; the word does,
            # unless a call here passes something else (``hub.room(room)`` with a client's room).
            private = scope.name.startswith("_") and not scope.name.startswith("__")
            return (
                component_name(name)
                and not (private and self.index.calls_to(scope.name))
                and self._passed_values_bounded(scope, name.value, depth, seen, hinted=True) is not False
            )
        sources = self._sources(name.value, scope)
        return bool(sources) and all(
            source is not None and self._bounded(source, depth + 1, seen) for source in sources
        )

    def finite_parameters(self, function: Scope) -> bool:
        """Every argument of ``function`` takes one of finitely many values: typed so
        (``role: Role``), named for a type (``cls``), or turned away with ``raise`` unless it
        is in a fixed set.  A memo of such a function holds a fixed number of entries."""
        node = function.node
        if (
            not isinstance(node, cst.FunctionDef)
            or isinstance(node.params.star_arg, cst.Param)
            or node.params.star_kwarg
        ):
            return False
        params = all_params(node)
        if function.self_name is not None or function.cls_name is not None:
            params = params[1:]
        body = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
        return bool(params) and all(
            (p.annotation is not None and self.types.finite_type(p.annotation.annotation))
            or program_bounded_key(p.name)
            or self.types.enum_default(function, p.name.value)
            or checks_before(body, p.name.value, (cst.Raise,), self._fixed)  # exceptions are not cached
            for p in params
        )

    def _fixed(self, expr: cst.BaseExpression) -> bool:
        """A collection whose contents the program fixes: a literal, a constant bound to one,
        a module container filled only at import (``_kernel_specs`` loaded by
        ``_load_specs()`` at import), a long-lived object's configuration (``self._sessions``
        filled in ``__init__``).  Not a container that grows at run time, whatever its name:
        ``if pid not in _CMDLINE_CACHE`` checks a cache, not a domain."""
        if isinstance(expr, cst.Attribute) and self._configuration(expr):
            return True
        if isinstance(expr, cst.Name) and expr.value in self.index.root.bindings:
            containers = self._containers(None, expr.value)
            if containers:
                return judge(containers[0]).safe in _FIXED_CONTENT
        return collection(expr)

    def _containers(self, owner: Scope | None, name: str) -> list[Container]:
        """The module containers (``owner`` None) or attributes of class ``owner`` named
        ``name``, from a table built once (on first use: the containers' own analysis may
        ask key questions while it is built)."""
        if self._by_name is None:
            self._by_name = {}
            for c in self.index.analysis(ContainerAnalysis).containers:
                if c.lifetime == "module" or c.owner is not None:
                    key = (None if c.lifetime == "module" else c.owner, c.name)
                    self._by_name.setdefault(key, []).append(c)
        return self._by_name.get((owner, name), [])

    def _changing_container(self, name: str) -> bool:
        """A module container of that name whose contents change at run time."""
        return any(judge(c).safe not in _FIXED_CONTENT for c in self._containers(None, name))

    def _read_from_data(self, expr: cst.BaseExpression) -> bool:
        """``method = req.get("method", "")``: a local read from a request's data, whatever
        its name says (an RPC method name is the client's, not one of ours)."""
        if not self._local_value(expr):
            return False
        assert isinstance(expr, cst.Name)
        scope = self.index.scope(expr).function_scope()
        return any(
            source is not None and _mentions_data(source) for source in self._sources(expr.value, scope)
        )

    def _local_value(self, expr: cst.BaseExpression) -> bool:
        """A local variable (not a parameter): where it comes from is known, and decides."""
        if not isinstance(expr, cst.Name):
            return False
        scope = self.index.scope(expr).function_scope()
        return scope.kind != "module" and expr.value in scope.bindings and expr.value not in scope.params

    def _configuration(self, expr: cst.Attribute) -> bool:
        """``for backend in self.backends`` where ``self.backends`` is set only while a
        long-lived object (a server, a service, a singleton) is built: its configuration."""
        if not fixed_attribute(self.index, expr):
            return False
        owner = self.index.scope(expr).function_scope().class_scope
        if owner is None:
            return False
        for container in self._containers(owner, expr.attr.value):
            if judge(container).safe not in _FIXED_CONTENT and _adds_keys(container):
                return False  # ``self.connections``: changes at run time, not configuration
        endless = {
            loop.scope.function_scope()
            for loop in self.index.analysis(LoopAnalysis).loops
            if not loop.exits and not loop.yields
        }
        return long_lived_class(self.index, owner, endless)

    # -- keys checked against a fixed set before they are stored ------------------------
    def _validated(self, use: cst.Name | cst.Subscript | cst.Attribute) -> bool:
        """``if hook not in HOOKS: raise``, ``if status > 599: status = 0`` or
        ``handler = COMMANDS[name]`` before ``use``; or ``use`` inside ``if hook in HOOKS:``."""
        name = use.value if isinstance(use, cst.Name) else source(use)
        return confined(self.index, use, name, self._fixed)

    def _module_entity(self, name: str) -> bool:
        """A class, function or module the module defines or imports: one per program.  Not
        every imported name: ``from flask import request`` is a new request each time."""
        if name in self.index.classes:
            return True
        imported = self.index.imports.get(name)
        if imported is not None:
            return imported == name or (name[:1].isupper() and not name.isupper())
        return name in self._functions

    def _module_constant(self, name: cst.Name) -> bool:
        """``UNITS = [int(u) for u in os.environ["UNITS"].split(",")]``: an UPPER_CASE global
        bound once, at import, and never grown: the program's configuration, fixed for the
        process (its items too)."""
        if not name.value.isupper() or name.value not in self.index.root.bindings:
            return False
        bindings = [
            use
            for use in self.index.names.get(name.value, ())
            if isinstance(holder := self.index.parent(use), (cst.AssignTarget, cst.AnnAssign, cst.AugAssign))
            and holder.target is use
        ]
        if len(bindings) != 1 or self.index.scope(bindings[0]) is not self.index.root:
            return False
        return not self._changing_container(name.value)

    def _used_as_class(self, name: str, scope: Scope) -> bool:
        """``class Wrapped(widget):``, ``isinstance(obj, kind)``, ``issubclass(kind, Base)``."""
        for use in self.index.names.get(name, ()):
            if self.index.scope(use).function_scope() is not scope:
                continue
            parent = self.index.parent(use)
            holder = self.index.parent(parent) if parent is not None else None
            if isinstance(parent, cst.Arg) and isinstance(holder, cst.ClassDef) and parent in holder.bases:
                return True
            if (
                isinstance(parent, cst.Arg)
                and isinstance(holder, cst.Call)
                and isinstance(holder.func, cst.Name)
            ):
                position = holder.args.index(parent)
                if (holder.func.value == "isinstance" and position == 1) or holder.func.value == "issubclass":
                    return True
        return False

    def _sources(self, name: str, scope: Scope) -> list[cst.BaseExpression | None]:
        """What each binding of local ``name`` in ``scope`` takes its value from (None: unknown)."""
        sources: list[cst.BaseExpression | None] = []
        for use in self.index.names.get(name, ()):
            if self.index.scope(use).function_scope() is not scope:
                continue
            parent = self.index.parent(use)
            position = None
            if isinstance(parent, cst.Element) and isinstance(self.index.parent(parent), cst.Tuple):
                tuple_ = self.index.parent(parent)
                assert isinstance(tuple_, cst.Tuple)
                position = (list(tuple_.elements).index(parent), len(tuple_.elements))
            while isinstance(parent, (cst.Element, cst.Tuple, cst.List, cst.StarredElement)):
                parent = self.index.parent(parent)  # unpacking: each part of a bounded whole
            if isinstance(parent, cst.AssignTarget):
                assign = self.index.parent(parent)
                value = assign.value if isinstance(assign, cst.Assign) else None
                if (
                    position is not None
                    and isinstance(value, cst.Tuple)
                    and len(value.elements) == position[1]
                    and parent.target is self.index.parent(self.index.parent(use) or use)
                ):
                    value = value.elements[position[0]].value  # ``a, b = x, y``: b is y
                sources.append(value)
            elif isinstance(parent, (cst.For, cst.CompFor)) and contains(parent.target, use):
                sources.append(_zipped(parent.iter, position) or parent.iter)
            elif isinstance(parent, (cst.NamedExpr, cst.AnnAssign)) and contains(parent.target, use):
                sources.append(parent.value)
            elif isinstance(parent, cst.AugAssign) and parent.target is use:
                sources.append(None)  # ``n += 1``: a counter counts without end
            elif isinstance(parent, (cst.AsName, cst.ExceptHandler)):
                sources.append(None)
        return sources

    def _bounded_parameter(self, function: Scope, param: str, depth: int, seen: Seen) -> bool:
        """A private function's parameter: bounded when every call here passes a bounded value."""
        if function.name in ("__getattr__", "__getattribute__") and function.class_scope is not None:
            return function.params.index(param) == 1  # an attribute name, spelled in the code
        if function.kind != "function" or not function.name.startswith("_") or function.name.startswith("__"):
            return False
        return bool(self._passed_values_bounded(function, param, depth, seen))

    def _passed_values_bounded(
        self, function: Scope, param: str, depth: int, seen: Seen, hinted: bool = False
    ) -> bool | None:
        """Whether every call of ``function`` in this module passes a bounded value for
        ``param`` (its default when left out); None when nothing here calls it.  With
        ``hinted`` (the parameter is named like a component), only a value named for a
        request's data contradicts the name: ``hub.room(room)``, ``lobby.room(request.query
        ["room"])``; ``getLogger(name)`` handing on its own ``name`` does not."""
        node = function.node
        if not isinstance(node, cst.FunctionDef):
            return False
        names = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
        if param not in names and param not in [p.name.value for p in node.params.kwonly_params]:
            return False  # *args or **kwargs
        position = names.index(param) if param in names else None
        if position is not None and (function.self_name or function.cls_name):
            position -= 1
            if position < 0:
                return False  # ``self`` itself: not passed as an argument
        default = next(
            (p.default for p in (*node.params.params, *node.params.kwonly_params) if p.name.value == param),
            None,
        )
        calls = self.index.calls_to(function.name)
        if not calls:
            return None
        for call in calls:
            if any(a.star for a in call.args):
                return False
            # A keyword-only parameter has no position: only its keyword binds it.
            arg = call_arg(call, len(call.args) if position is None else position, param)
            value = arg if arg is not None else default
            if arg is None and isinstance(default, (cst.List, cst.Dict, cst.Set)):
                return False  # ``found=[]``: a default the function fills, not a value
            if hinted and value is not None and not _mentions_data(value):
                continue  # ``getLogger(name)``, ``getChild(suffix)``: a hint passed on, not data
            if value is None or not self._bounded(value, depth + 1, seen):
                return False
        return True


def _adds_keys(container: Container) -> bool:
    """Some run-time growth adds an entry; ``self.queues[mode].append(x)`` on a plain dict
    grows a value under a key it already has (``{mode: deque() for mode in GameMode}``)."""
    return any(
        site.kind == "grow"
        and site.phase == "runtime"
        and not (container.kind == "dict" and site.how.startswith("[key]."))
        for site in container.sites
    )


def _mentions_data(value: cst.BaseExpression) -> bool:
    """A name in ``value`` says it is a request's data: ``room``, ``request.query["room"]``."""
    return any(
        isinstance(node, (cst.Name, cst.Attribute)) and data_named(node) for node in descendants(value)
    )


def _zipped(iterable: cst.BaseExpression, position: tuple[int, int] | None) -> cst.BaseExpression | None:
    """``for name, raw in zip(REGISTER_MAP, values)``: ``name`` comes from the first
    argument alone.  ``for i, item in enumerate(items)``: both follow ``items``."""
    if position is None or not isinstance(iterable, cst.Call) or not isinstance(iterable.func, cst.Name):
        return None
    args = iterable.args
    if any(a.star or a.keyword is not None for a in args):
        return None
    if iterable.func.value == "zip" and len(args) == position[1]:
        return args[position[0]].value
    if iterable.func.value == "enumerate" and len(args) == 1 and position[1] == 2:
        return args[0].value
    return None


def _parts(expr: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    """The operands of an expression built only from its parts (tuples, operators, f-strings)."""
    if isinstance(expr, (cst.Tuple, cst.List)):
        return [e.value for e in expr.elements]
    if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return [expr.elt]  # ``[m for m in sys.modules if ...]``: what each item is
    if isinstance(expr, cst.DictComp):
        return [expr.key, expr.value]
    if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
        return [expr.left, expr.right]
    if isinstance(expr, cst.UnaryOperation):
        return [expr.expression]
    if isinstance(expr, cst.IfExp):
        return [expr.body, expr.orelse]
    if isinstance(expr, cst.FormattedString):
        return [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
    if isinstance(expr, cst.ConcatenatedString):
        return [expr.left, expr.right]
    return None
