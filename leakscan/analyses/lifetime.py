"""Evidence about how long a container lives and what drives its growth.

Static analysis cannot see how long an object lives, so we weigh what a reviewer
reads: a class instantiated once at module level, a thread or a class that loops
forever outlives any request; a container named ``cache`` or ``history`` fills
with traffic, while one filled by ``register_*`` holds configuration that grows
with the program, not with its input.
"""

from __future__ import annotations

import re

import libcst as cst

from leakscan.analyses.exprs import dotted
from leakscan.analyses.index import ModuleIndex, Scope, children_of
from leakscan.analyses.phases import Phases, under_main_guard

# Class-name endings of objects that usually live as long as the service.
_SERVICE_SUFFIXES = re.compile(
    r"(Service|Server|Manager|Engine|Monitor|Tracker|Cache|Client|Session|Database|Bot|Daemon|Worker|"
    r"Scheduler|Pool|Collector|Agent|System|Controller|App|Application|Gateway|"
    r"Watcher|Listener|Dispatcher|Broker|Limiter|Store|Repository|Reader|Queue|Batch|Buffer|Hub|"
    r"Bus|Router|Consumer|Producer|Poller|Crawler|Scraper|Coordinator|Orchestrator|"
    r"Supervisor|Processor|Pipeline|Channel|Aggregator|Recorder|Logger|Notifier|Publisher|"
    r"Subscriber|Streamer|Fetcher|Registry|Cog|Middleware)$"
)


def is_test_path(path: str) -> bool:
    """Test code runs briefly: what it accumulates dies with the test process."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(part in ("test", "tests", "testing") for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def long_lived_class(
    index: ModuleIndex, owner: Scope, endless: set[Scope] | None = None, depth: int = 0
) -> bool:
    """Evidence that instances of ``owner`` live as long as the process (one answer per
    class and module)."""
    memo = index.analysis(_ServiceFacts)
    key = (owner, endless is not None, depth)
    found = memo.answers.get(key)
    if found is None:
        memo.answers[key] = False  # cycle guard
        memo.answers[key] = found = _long_lived(index, owner, endless, depth, memo)
    return found


def _long_lived(
    index: ModuleIndex, owner: Scope, endless: set[Scope] | None, depth: int, facts: _ServiceFacts
) -> bool:
    node = owner.node
    assert isinstance(node, cst.ClassDef)
    if _SERVICE_SUFFIXES.search(owner.name):
        return True
    for base in node.bases:
        text = (
            base.value.attr.value
            if isinstance(base.value, cst.Attribute)
            else getattr(base.value, "value", "")
        )
        if text in ("Thread", "Process", "Cog", "Service", "BaseHTTPRequestHandler") or (
            isinstance(text, str) and _SERVICE_SUFFIXES.search(text)
        ):
            return True
    if module_singleton(index, owner.name):
        return True
    # A method that loops forever (no exit) keeps its object alive for good.
    if any(scope.class_scope is owner for scope in endless or ()):
        return True
    return owner in facts.running or (depth < 2 and _part_of_long_lived(index, owner, endless, depth))


_STOP_WORDS = "stop|shutdown|closing|quit|exit|cancel"
_STOP_FLAG = re.compile(rf"\bself\.\w*({_STOP_WORDS}|running|closed|alive)", re.I)


class _ServiceFacts:
    """Classes that run as services, found in one pass: a method loops until the object is
    told to stop (``while not self._stop.is_set()``), or the object starts a thread on its
    own method."""

    def __init__(self, index: ModuleIndex) -> None:
        self.answers: dict[tuple[Scope, bool, int], bool] = {}
        self.running: set[Scope] = set()
        for loop in index.whiles:
            method = index.scope(loop).function_scope()
            if method.class_scope is None or not method.self_name:
                continue
            if _STOP_FLAG.search(index.module.code_for_node(loop.test)) or _waits_for_stop(index, loop):
                self.running.add(method.class_scope)
        for call in index.calls:
            if (index.qualified_name(call.func) or "").rsplit(".", 1)[-1] not in ("Thread", "Timer"):
                continue
            method = index.scope(call).function_scope()
            if method.class_scope is None or not method.self_name:
                continue
            for arg in call.args:
                target = arg.value
                if (
                    arg.keyword is not None
                    and arg.keyword.value == "target"
                    and isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name)
                    and target.value.value == method.self_name
                ):
                    self.running.add(method.class_scope)


_STOP_EVENT = re.compile(rf"\b\w*({_STOP_WORDS})\w*\.(wait|is_set)\(", re.I)


def _waits_for_stop(index: ModuleIndex, loop: cst.While) -> bool:
    """``while True: ...; if stop.wait(RESYNC): return``: the loop runs until its owner is
    told to stop, through an event it was handed as well as one of its own."""
    if not (isinstance(loop.test, cst.Name) and loop.test.value in ("True", "1")) and not (
        isinstance(loop.test, cst.Integer) and loop.test.value == "1"
    ):
        return _STOP_EVENT.search(index.module.code_for_node(loop.test)) is not None
    for node in children_of(loop.body):
        if isinstance(node, cst.If) and _STOP_EVENT.search(index.module.code_for_node(node.test)):
            return True
    return False


def _part_of_long_lived(index: ModuleIndex, owner: Scope, endless: set[Scope] | None, depth: int) -> bool:
    """``self.stats = IngestStats()`` in the ``__init__`` of a long-lived object: a part of
    it lives as long."""
    for call in index.calls:
        if not (isinstance(call.func, cst.Name) and call.func.value == owner.name):
            continue
        method = index.scope(call).function_scope()
        holder = method.class_scope
        if holder is None or holder is owner or method.name != "__init__":
            continue
        assign = index.parent(call)
        if (
            isinstance(assign, cst.Assign)
            and any(isinstance(t.target, cst.Attribute) for t in assign.targets)
            and long_lived_class(index, holder, endless, depth + 1)
        ):
            return True
    return False


def module_singleton(index: ModuleIndex, class_name: str) -> bool:
    """Instances that live for the process: built at module level or by the program's main
    code, by a cached factory, or kept in a module-level registry (``_MODELS[name] = runner``)."""
    for call in index.calls:
        if isinstance(call.func, cst.Name) and call.func.value == class_name:
            factory = index.scope(call).function_scope()
            if factory.kind == "function" and factory.has_decorator("cache", "lru_cache"):
                return True
            if (
                factory.kind == "function"
                and in_program_main(index, call)
                and (_serves_a_loop(index, factory) or _handed_to_a_loop(index, call))
            ):
                return True
            if _kept_in_module(index, call):
                return True
    for assign in index.assigns:
        value = assign.value
        if (
            index.scope_of[assign].kind == "module"
            and isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value == class_name
        ):
            return True
    return False


def _serves_a_loop(index: ModuleIndex, main: Scope) -> bool:
    """The main function runs a loop (``while not stop.wait(30): tailer.scan()``): what it
    builds serves the whole run, not one task."""
    return any(index.scope(loop).function_scope() is main for loop in index.whiles)


def _handed_to_a_loop(index: ModuleIndex, call: cst.Call) -> bool:
    """``serve(Resolver())``: handed to a function of this module that runs a loop."""
    arg = index.parent(call)
    outer = index.parent(arg) if isinstance(arg, cst.Arg) else None
    if not (isinstance(outer, cst.Call) and isinstance(outer.func, cst.Name)):
        return False
    name = outer.func.value
    return any(
        scope.kind == "function"
        and scope.name == name
        and scope.parent is index.root
        and _serves_a_loop(index, scope)
        for scope in index.scopes
    )


def _kept_in_module(index: ModuleIndex, call: cst.Call) -> bool:
    """``REGISTRY[key] = Cls(...)``, ``runner = Cls(...); _MODELS[name] = runner``,
    ``_ALL.append(Cls(...))``: the object is stored in a module global."""
    values: list[cst.BaseExpression] = [call]
    parent = index.parent(call)
    if (
        isinstance(parent, cst.Assign)
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Name)
    ):
        name = parent.targets[0].target.value
        home = index.scope(call).function_scope()
        values += [use for use in index.names.get(name, ()) if index.scope(use).function_scope() is home]
    for value in values:
        holder = index.parent(value)
        targets: list[cst.BaseExpression]
        if isinstance(holder, cst.Assign) and holder.value is value:
            targets = [t.target for t in holder.targets]
        elif isinstance(holder, cst.Arg):
            call_site = index.parent(holder)
            func = call_site.func if isinstance(call_site, cst.Call) else None
            targets = (
                [func.value]
                if isinstance(func, cst.Attribute)
                and func.attr.value in ("append", "add", "setdefault", "insert")
                else []
            )
        else:
            continue
        for target in targets:
            base = target.value if isinstance(target, cst.Subscript) else target
            stored = isinstance(target, cst.Subscript) or isinstance(holder, cst.Arg)
            if stored and isinstance(base, cst.Name) and base is not value and _module_global(index, base):
                return True
    return False


def _module_global(index: ModuleIndex, name: cst.Name) -> bool:
    return name.value in index.root.bindings and index.scope(name).resolves_to_module(name.value)


# Functions that are the program's own entry point: what they hold lives exactly as long
# as the process, and the process exit releases it.
_MAIN_FUNCTIONS = frozenset({"main", "_main", "cli", "run_app", "run_forever", "serve_forever"})


def in_program_main(index: ModuleIndex, node: cst.CSTNode) -> bool:
    """``node`` runs as the program's main code: module level, a ``main()``-like function,
    a function that parses the process's command line (``uu.test()``), or under ``if
    __name__ == "__main__":``.  Any other helper the guard calls is not included: it is
    still a function someone else may call."""
    function = index.scope(node).function_scope()
    return (
        function.kind == "module"
        or function.name in _MAIN_FUNCTIONS
        or function in index.analysis(command_line_readers)
        or under_main_guard(index, node)
    )


def command_line_readers(index: ModuleIndex) -> frozenset[Scope]:
    """Module functions that read the process's own arguments (``sys.argv``,
    ``parser.parse_args()``): only the program's entry point does that."""
    found: set[Scope] = set()
    for expr in (*index.attributes.get("argv", ()), *index.attributes.get("parse_args", ())):
        if isinstance(expr, cst.Attribute) and expr.attr.value == "parse_args":
            call = index.parent(expr)
            if not isinstance(call, cst.Call) or any(a.keyword is None for a in call.args):
                continue  # ``parser.parse_args(["-v"])``: arguments from the program
        elif dotted(expr) != "sys.argv":
            continue
        function = index.scope(expr).function_scope()
        if function.kind == "function" and function.parent is index.root:
            found.add(function)
    return frozenset(found)


def made_once(index: ModuleIndex, name: str) -> bool:
    """Class ``name`` has finitely many objects for the process: all made at import
    (``FONTS = FontRegistry()``), or made by the program's main code outside any loop
    (``collector = Collector(targets)`` in ``main()``).  Any other use may make more."""
    if index.analysis(Phases).made_at_import(name):
        return True
    if name not in index.classes:
        return False
    made = False
    for use in index.names.get(name, ()):
        parent = index.parent(use)
        if isinstance(parent, cst.ClassDef) or any(
            isinstance(a, cst.Annotation) for a in index.ancestors(use)
        ):
            continue
        if not (isinstance(parent, cst.Call) and parent.func is use and in_program_main(index, parent)):
            return False
        if any(
            isinstance(a, (cst.For, cst.While, cst.ListComp, cst.GeneratorExp)) for a in index.ancestors(use)
        ):
            return False
        made = True
    return made
