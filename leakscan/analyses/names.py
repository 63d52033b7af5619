"""What names say: a reviewer reads ``cache`` or ``history`` as run-time data, ``cls`` or
``module`` as something the program defines, ``register_*`` as configuration.

These are hints; where the code says where a value comes from (``key_domain``), the
code decides.
"""

from __future__ import annotations

import re

import libcst as cst

from leakscan.analyses.exprs import dotted
from leakscan.analyses.index import Scope

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
        # ISO tables: a few hundred values at most
        "currency",
        "country",
    }
)


# What a web framework matched a request to: one of the program's routes.
_ROUTE_OF_REQUEST = frozenset(
    {
        "request.endpoint",
        "request.url_rule",
        "request.url_rule.rule",
        "request.blueprint",
        "request.matched_route",
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
        # the matched route of a web framework: one of the program's routes
        "view_name",
        "url_name",
        "route_name",
    ):
        return True
    if dotted(key) in _ROUTE_OF_REQUEST:
        return True  # Flask's ``request.endpoint``: the view that matched, one of the app's
    if isinstance(key, cst.Attribute) and any(w in ("type", "kind") for w in name_words(key.attr.value)):
        return True  # ``event.event_type``, ``job.kind``: one of a few kinds, as a name says below
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


# Who or where a request comes from: a key named so takes a new value per visitor.
_WHO_WORDS = frozenset(
    {
        "user", "client", "customer", "account", "peer", "player", "device", "session", "request",
        "req", "conn", "connection", "host", "domain", "netloc", "url", "uri", "ip", "addr",
        "address", "token", "id", "path", "file", "upload", "chat", "channel", "room",
    }
)  # fmt: skip


def data_named(key: cst.BaseExpression | None) -> bool:
    """``host``, ``request.url``, ``user_id``: a key named for who or where a request comes
    from.  (A warning's ``message`` is not: a warn-once registry is keyed by it.)"""
    return _named_with(key, _WHO_WORDS)


# Who a request comes from: a container keyed by one of these holds many callers' data.
_CALLER_WORDS = frozenset({"user", "client", "customer", "account", "player", "session", "peer", "chat"})


def caller_named(key: cst.BaseExpression | None) -> bool:
    """``user_id``, ``msg.chat_id``, ``session_key``: a key named for who is calling, so
    the object keeping it serves many callers and outlives any one request."""
    return _named_with(key, _CALLER_WORDS)


def _named_with(key: cst.BaseExpression | None, words: frozenset[str]) -> bool:
    """A word of one of ``words`` in any part of the dotted name ``key``."""
    text = dotted(key) if key is not None else None
    return text is not None and any(w in words for piece in text.split(".") for w in name_words(piece))


def component_name(key: cst.BaseExpression) -> bool:
    """``task.name``, ``self.name``, a parameter ``name`` or ``logger_name``: the name of
    something the program configures (a plugin, a job, a logger, a module).  Not
    ``user.name``, ``path.name`` or ``file_name``: those are data."""
    if isinstance(key, cst.Attribute):
        if key.attr.value not in ("name", "qualified_name"):
            return False  # ``task.name``, ``command.qualified_name``; not ``ctx.operation_name``
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
