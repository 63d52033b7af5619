"""The container model: what a long-lived container is, and what touches it.

Shared by the analysis that finds containers (``containers.py``), the classification of
the places that touch them (``container_sites.py``) and the verdict (``container_verdict.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from leakscan.analyses.exprs import call_arg, is_none, is_zero
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.analyses.phases import Phase

Family = Literal["mapping", "sequence"]
Lifetime = Literal["module", "class", "instance", "closure", "local"]
SiteKind = Literal["grow", "shrink", "reset", "escape", "read", "check"]

# Constructor qualified name -> (kind shown to users, family)
CONSTRUCTORS: dict[str, tuple[str, Family]] = {
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
BOUNDED_TYPES: dict[str, str] = {
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
AUTO_INSERT = frozenset({"defaultdict", "Counter"})
QUEUES = frozenset(
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
QUEUE_SHRINK = frozenset({"get", "get_nowait"})
GROW_AUGOPS = (cst.AddAssign, cst.BitOrAssign)
SHRINK_AUGOPS = (cst.SubtractAssign, cst.BitAndAssign, cst.MultiplyAssign)
# Calls that only read their argument.
READERS = frozenset(
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
READER_METHODS = frozenset(
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
GROWERS = frozenset({"heapq.heappush", "bisect.insort", "bisect.insort_left", "bisect.insort_right"})
SHRINKERS = frozenset({"heapq.heappop", "heapq.heapreplace", "heapq.heappushpop"})


@dataclass(eq=False)
class Site:
    node: cst.CSTNode
    scope: Scope
    kind: SiteKind
    how: str
    phase: Phase = "runtime"
    literal_key: bool = False
    cyclic_key: bool = False  # a ring buffer's slot: keys cycle through a fixed range
    size_checked: bool = False  # grows only under ``if len(container) ...``
    value_grows: bool = False  # the value under a key grows: ``d[k].append(v)``
    lazy: bool = False  # a shrink only of the key the same call then adds back: lazy expiry
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
    factory = field_factory(expr, index)
    if factory is not None:
        # ``field(default_factory=list)``: each instance gets a container of that kind.
        if isinstance(factory, cst.Lambda):
            return constructor_of(factory.body, index)
        return constructor_of(cst.Call(func=factory), index)
    if qualified in BOUNDED_TYPES:
        return (qualified.rsplit(".", 1)[1], "mapping", BOUNDED_TYPES[qualified])
    known = CONSTRUCTORS.get(qualified)
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


def bounded_entries(expr: cst.BaseExpression | None, index: ModuleIndex) -> bool:
    """``defaultdict(lambda: deque(maxlen=1440))``, ``{"1m": deque(maxlen=60)}``: every
    value the mapping holds is a bounded container, so appending to an entry does not grow
    it without end."""
    if isinstance(expr, cst.Dict):
        values = [e.value for e in expr.elements if isinstance(e, cst.DictElement)]
        return len(values) == len(expr.elements) > 0 and all(
            (made := constructor_of(v, index)) is not None and made[2] is not None for v in values
        )
    if isinstance(expr, cst.DictComp):  # ``{s: deque(maxlen=390) for s in SYMBOLS}``
        made = constructor_of(expr.value, index)
        return made is not None and made[2] is not None
    if not isinstance(expr, cst.Call) or index.qualified_name(expr.func) != "collections.defaultdict":
        return False
    factory = call_arg(expr, 0, "default_factory")
    if isinstance(factory, cst.Lambda):
        made = constructor_of(factory.body, index)
    elif (
        isinstance(factory, cst.Call)
        and index.qualified_name(factory.func) == "functools.partial"
        and factory.args
    ):
        made = constructor_of(cst.Call(func=factory.args[0].value, args=factory.args[1:]), index)
    else:
        return False
    return made is not None and made[2] is not None


def field_factory(expr: cst.BaseExpression, index: ModuleIndex) -> cst.BaseExpression | None:
    """The factory of a dataclass or attrs field: ``field(default_factory=dict)``,
    ``attr.ib(factory=list)``, ``attrs.field(factory=set)``."""
    if not isinstance(expr, cst.Call):
        return None
    qualified = index.qualified_name(expr.func) or ""
    if qualified not in ("dataclasses.field", "attr.ib", "attr.attrib", "attr.field", "attrs.field"):
        return None
    for arg in expr.args:
        if arg.keyword is not None and arg.keyword.value in ("default_factory", "factory"):
            return arg.value
    return None


@dataclass(frozen=True)
class Judgement:
    """The verdict on one container: flagged, or safe with a reason."""

    safe: str | None  # reason slug when safe: "bounded-type", "evicted", "never-grows", ...
    detail: str  # human-readable reason or summary
    growth: tuple[Site, ...] = ()
    escapes: tuple[Site, ...] = ()
    warn_only: Site | None = None  # a size check whose branch does not bound the growth
