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
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.analyses.phases import under_main_guard

# Words in a container's name that say it accumulates run-time data.
_TRAFFIC_WORDS = frozenset(
    [
        "cache",
        "caches",
        "cached",
        "memo",
        "memos",
        "history",
        "histories",
        "seen",
        "visited",
        "buffer",
        "buffers",
        "event",
        "events",
        "metric",
        "metrics",
        "message",
        "messages",
        "msg",
        "msgs",
        "sample",
        "samples",
        "session",
        "sessions",
        "request",
        "requests",
        "response",
        "responses",
        "pending",
        "timestamp",
        "timestamps",
        "token",
        "tokens",
        "cookie",
        "cookies",
        "inbox",
        "outbox",
        "backlog",
        "journal",
        "audit",
        "log",
        "logs",
        "records",
        "readings",
        "snapshots",
        "alerts",
        "notifications",
        "jobs",
        "calls",
        "hits",
        "visits",
        "attempts",
        "retries",
        "latencies",
        "durations",
        "timings",
        "clicks",
        "downloads",
        "uploads",
        "uploaded",
        "downloaded",
        "processed",
        "received",
        "sent",
        "fetched",
        "crawled",
        "scraped",
        "queue",
        "queued",
        "batch",
        "trace",
        "traces",
    ]
)
# Class-name endings of objects that usually live as long as the service.
_SERVICE_SUFFIXES = re.compile(
    r"(Service|Server|Manager|Engine|Monitor|Tracker|Cache|Client|Session|Database|Bot|Daemon|Worker|"
    r"Scheduler|Pool|Collector|Agent|System|Controller|App|Application|Gateway|"
    r"Watcher|Listener|Dispatcher|Broker|Limiter|Store|Repository|Reader|Queue|Batch|Buffer|Hub|"
    r"Bus|Router|Consumer|Producer|Poller|Crawler|Scraper|Coordinator|Orchestrator|"
    r"Supervisor|Processor|Pipeline|Channel|Aggregator|Recorder|Logger|Notifier|Publisher|"
    r"Subscriber|Streamer|Fetcher|Registry|Cog)$"
)
# Function-name beginnings of registration APIs: configuration, not traffic.
_REGISTRATION = re.compile(
    r"^_*(register|unregister|add_?(handler|parser|fixer|option|argument|type|codec|charset|alias|"
    r"hook|rule|command|plugin|filter|reducer|converter|adapter|level|path|package|method|header|"
    r"formatter|subparser|extension|mapping|dispatch)|install|def_|define|declare|hook|"
    r"bind|mount|plug|setup|configure|set_?up)",
    re.IGNORECASE,
)
_CALLABLE_PARAMS = frozenset(
    {
        "fn",
        "func",
        "function",
        "handler",
        "callback",
        "cb",
        "cls",
        "klass",
        "factory",
        "hook",
        "listener",
        "plugin",
        "method",
        "decorator",
        "reducer",
        "converter",
        "adapter",
    }
)


def name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w.lower() for w in spaced.split("_") if w]


def traffic_named(name: str) -> bool:
    return any(word in _TRAFFIC_WORDS for word in name_words(name))


def warn_once_named(name: str) -> bool:
    """``_warned``, ``WARNED_KEYS``: a registry that makes each warning appear once,
    bounded by the distinct warnings the code can emit."""
    words = name_words(name)
    return any(w in ("warned", "warnings", "warn") for w in words) and not any(
        w in _TRAFFIC_WORDS or w in ("user", "users", "client", "clients", "ip", "ips") for w in words
    )


def registration_scope(scope: Scope) -> bool:
    """Growth inside ``register_x()`` (or a closure of it) or a function storing a callable."""
    current: Scope | None = scope
    while current is not None and current.kind != "module":
        if current.kind == "function" and _REGISTRATION.match(current.name):
            return True
        current = current.parent
    return False


def stores_callable(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.Name) and value.value in _CALLABLE_PARAMS


_TYPE_KEY_NAMES = frozenset(
    {"cls", "klass", "typ", "tp", "type_", "kind", "fn", "func", "function", "method", "handler", "callback"}
)


# Key names for domains fixed by the program or its platform: modules, encodings, error
# numbers, versions, languages.  Not file names or paths: a service caching per uploaded
# file or URL path grows with its traffic.
_DOMAIN_KEY_WORDS = frozenset(
    {
        "module",
        "modname",
        "mod",
        "package",
        "pkg",
        "encoding",
        "codec",
        "charset",
        "errno",
        "opcode",
        "version",
        "locale",
        "lang",
        "language",
        "platform",
        "dialect",
        "env",
        "environment",
        "region",
        "zone",
    }
)


def program_bounded_key(key: cst.BaseExpression | None) -> bool:
    """Keys that name program entities (types, functions): bounded by the code, not its input."""
    if key is None:
        return False
    if isinstance(key, cst.Call) and isinstance(key.func, cst.Name) and key.func.value == "type":
        return True
    if isinstance(key, cst.Attribute) and key.attr.value in (
        "__class__",
        "__name__",
        "__qualname__",
        "__module__",
        "__code__",
        # numbers from fixed tables: exit statuses, HTTP statuses, errnos, log levels
        "returncode",
        "exitcode",
        "exit_code",
        "status_code",
        "errno",
        "levelno",
        "levelname",
    ):
        return True
    if isinstance(key, cst.Name):
        words = name_words(key.value)
        return key.value in _TYPE_KEY_NAMES or (
            # ``node_type``, ``type_num``: a type or a type's number, wherever the word sits.
            any(w in ("type", "cls", "class", "klass") for w in words)
            or (bool(words) and words[-1] in _DOMAIN_KEY_WORDS)
            or key.value.endswith(("module", "package"))  # ``fullmodule``, ``subpackage``
        )
    return False


# Things whose name is per-call data: a user's, a file's or a room's name is not a
# component's (a plugin's, a job's, a logger's).
_DATA_WORDS = frozenset(
    {
        "user", "users", "client", "customer", "account", "member", "author", "sender", "player",
        "peer", "person", "contact", "nick", "display", "first", "last", "full", "given", "sur",
        "tenant", "org", "company", "team", "project", "request", "req", "message", "msg",
        "update", "event", "session", "conn", "connection", "file", "upload", "record", "row",
        "item", "host", "device", "room", "channel", "chat", "path", "p", "f", "fh", "entry",
        "dir", "base", "real",
    }
)  # fmt: skip


def component_name(key: cst.BaseExpression) -> bool:
    """``task.name``, ``self.name``, a parameter ``name`` or ``logger_name``: the name of
    something the program configures (a plugin, a job, a logger, a module).  Not
    ``user.name``, ``path.name`` or ``file_name``: those are data."""
    if isinstance(key, cst.Attribute):
        if key.attr.value != "name":
            return False
        receiver = dotted(key.value)
        return receiver is not None and not any(
            word in _DATA_WORDS for piece in receiver.split(".") for word in name_words(piece)
        )
    if isinstance(key, cst.Name):
        words = name_words(key.value)
        if len(words) == 1 and words[0].endswith("name") and len(words[0]) > 4:
            words = [words[0][:-4], "name"]  # ``oldname``, ``attrname``; not ``username``
        return bool(words) and words[-1] == "name" and not any(w in _DATA_WORDS for w in words)
    return False


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
    """Evidence that instances of ``owner`` live as long as the process."""
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
    return _runs_itself(index, owner) or (depth < 2 and _part_of_long_lived(index, owner, endless, depth))


_STOP_FLAG = re.compile(r"\bself\.\w*(stop|running|shutdown|closed|closing|alive|quit|exit|cancel)", re.I)


def _runs_itself(index: ModuleIndex, owner: Scope) -> bool:
    """A method loops until the object is told to stop (``while not self._stop.is_set()``),
    or the object starts a thread on its own method: it runs as a service."""
    for loop in index.whiles:
        method = index.scope(loop).function_scope()
        if (
            method.class_scope is owner
            and method.self_name
            and _STOP_FLAG.search(index.module.code_for_node(loop.test))
        ):
            return True
    for call in index.calls:
        method = index.scope(call).function_scope()
        if method.class_scope is not owner or not method.self_name:
            continue
        if (index.qualified_name(call.func) or "").rsplit(".", 1)[-1] not in ("Thread", "Timer"):
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
            if factory.kind == "function" and in_program_main(index, call) and _serves_a_loop(index, factory):
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
    or under ``if __name__ == "__main__":``.  A helper the guard calls is not included: it
    is still a function someone else may call."""
    function = index.scope(node).function_scope()
    return function.kind == "module" or function.name in _MAIN_FUNCTIONS or under_main_guard(index, node)
