"""LK101 unbounded-mapping."""

from __future__ import annotations

from leakscan.rule import Invalid, Valid
from leakscan.rules._container_rule import ContainerRule


class UnboundedMapping(ContainerRule):
    """
    ## What it does
    Flags a long-lived dict, set, `defaultdict`, `Counter` or `OrderedDict` (a module
    global, a class attribute or an instance attribute) that grows at run time and
    from which nothing is ever removed.

    ## Why is this bad?
    A cache or index keyed by run-time data (request ids, users, URLs, timestamps)
    gains an entry for every new key and keeps it for the life of the process. Memory
    climbs with traffic until the process is restarted or killed. A module global or a
    class attribute lives as long as the process (severity high); an instance attribute
    lives as long as its object (medium, high for a module-level singleton).

    The container counts as bounded when any code in its scope removes from it
    (`pop`, `popitem`, `del`, `clear`, `discard`, reassignment), when it is only filled
    at import time or in `__init__`, when its keys are literals, or when its type is
    bounded (`weakref.WeakValueDictionary`, `cachetools` caches). When the container
    is handed to code leakscan cannot see, the finding has medium confidence.

    An instance attribute is reported when its object visibly outlives a request: a
    service class (a loop until it is told to stop, a thread on its own method, a
    server-like name), a module singleton, a part of one, or an object that keys its data
    by who calls (`self._rate[user_id]`: it serves many users). Otherwise it is low
    confidence: a per-request object dies with its request.

    Keys the program bounds give low confidence: its own modules, classes and routes
    (`request.endpoint`), configuration fixed at start (`for s in SYMBOLS`, keys checked
    against it first), ISO codes, and a function's parameter when every call in the
    module passes such a value, unless its name says it is a caller's data (`user_id`).

    ## Example
    ```python
    class CachingEngine:
        def __init__(self):
            self.cache = {}

        def put(self, key, value):
            self.cache[key] = value
    ```

    ## Use instead
    ```python
    class CachingEngine:
        MAX_CACHE_SIZE = 1000

        def __init__(self):
            self.cache = {}

        def put(self, key, value):
            if len(self.cache) >= self.MAX_CACHE_SIZE and key not in self.cache:
                self.cache.pop(next(iter(self.cache)))  # evict the oldest entry
            self.cache[key] = value
    ```
    or a bounded type such as `cachetools.LRUCache(maxsize=1000)`.

    ## References
    - [`functools.lru_cache`](https://docs.python.org/3/library/functools.html#functools.lru_cache)
    - [`collections.OrderedDict.popitem`](https://docs.python.org/3/library/collections.html#collections.OrderedDict.popitem)
    """

    id = "LK101"
    name = "unbounded-mapping"
    container_family = "mapping"
    message = "long-lived mapping grows and is never shrunk"
    advice = "evict when full (FIFO or LRU) or use a bounded cache"

    VALID = [
        Valid(
            """
            class Engine:
                MAX = 100

                def __init__(self):
                    self.cache = {}

                def put(self, key, value):
                    if len(self.cache) >= self.MAX:
                        self.cache.pop(next(iter(self.cache)))
                    self.cache[key] = value
            """
        ),
        Valid(
            """
            HANDLERS = {}

            def register(name):
                def wrap(fn):
                    HANDLERS[name] = fn
                    return fn
                return wrap

            def handler(fn):
                HANDLERS[fn.__name__] = fn
                return fn

            @handler
            def ping():
                return "pong"
            """
        ),
        Valid(
            """
            import weakref

            _live = weakref.WeakValueDictionary()

            def track(key, obj):
                _live[key] = obj
            """
        ),
        Valid(
            """
            class Settings:
                def __init__(self, pairs):
                    self.values = {}
                    for key, value in pairs:
                        self.values[key] = value
            """
        ),
        Valid(
            """
            class Stats:
                def __init__(self):
                    self.counts = {}

                def hit(self):
                    self.counts["hits"] = self.counts.get("hits", 0) + 1

                def reset(self):
                    self.counts = {}
            """
        ),
        Valid(
            """
            _seen = set()

            def mark(item):
                _seen.add(item)

            def forget(item):
                _seen.discard(item)
            """
        ),
        Valid(
            """
            class CommandLog:
                def __init__(self):
                    self.size = 10
                    self.slot = 0
                    self.entries = {}  # a ring buffer: the slot wraps back to 0

                def record(self, line):
                    self.entries[self.slot] = line
                    self.slot += 1
                    if self.slot >= self.size:
                        self.slot = 0

            log = CommandLog()
            """
        ),
        Valid(
            """
            class Distribution:
                negative_opt = {"quiet": "verbose"}

                def parse(self, command):
                    negative_opt = self.negative_opt
                    if hasattr(command, "negative_opt"):
                        negative_opt = negative_opt.copy()  # the alias now names a copy
                        negative_opt.update(command.negative_opt)
                    return negative_opt
            """
        ),
        Valid(
            """
            import warnings

            _WARNED = set()  # warn-once registry: one entry per distinct warning

            def warn_once(message):
                if message not in _WARNED:
                    _WARNED.add(message)
                    warnings.warn(message)

            _codecs = {}  # keyed by encoding name: bounded by the codecs that exist

            def lookup(encoding):
                norm_encoding = encoding.lower().replace("-", "_")
                if norm_encoding not in _codecs:
                    _codecs[norm_encoding] = __import__("encodings." + norm_encoding)
                return _codecs[norm_encoding]
            """
        ),
        Valid(
            """
            import sys

            _subclasses = {}  # one generated class per widget class the program wraps

            def wrapping(widget):
                if widget in _subclasses:
                    return _subclasses[widget]

                class Wrapped(widget):
                    pass

                _subclasses[widget] = Wrapped
                return Wrapped

            _names = {}

            def type_repr(type_num):
                return _names.setdefault(type_num, str(type_num))

            _by_file = {}

            def index_modules():
                for name, module in sys.modules.copy().items():
                    path = getattr(module, "__file__", None)
                    _by_file[path] = name.upper()

            class _Sentinels:
                def __init__(self):
                    self._made = {}

                def __getattr__(self, name):  # sentinel.MISSING: names spelled in the code
                    return self._made.setdefault(name, object())

            sentinel = _Sentinels()
            """
        ),
        Valid(
            """
            import enum
            from collections import Counter

            HOOKS = ("on_start", "on_record", "on_stop")
            HTTP_METHODS = ("GET", "POST", "PUT", "DELETE")

            class Role(enum.Enum):
                VIEWER = "viewer"
                ADMIN = "admin"

            _hook_calls = {}
            _requests = Counter()
            _perms: dict[Role, frozenset] = {}

            def dispatch(hook, record):
                if hook not in HOOKS:
                    raise ValueError(hook)  # only the three hooks get past this
                _hook_calls[hook] = _hook_calls.get(hook, 0) + 1

            def observe(method, status):
                if method not in HTTP_METHODS:
                    method = "OTHER"
                if status < 100 or status > 599:
                    status = 0
                _requests[(method, status)] += 1

            def perms_for(role: Role):
                if role not in _perms:
                    _perms[role] = frozenset({"read"})
                return _perms[role]
            """
        ),
        Valid(
            """
            from dataclasses import dataclass

            @dataclass
            class Metric:
                name: str
                help: str

            _headers = {}

            def register(name, help):
                return Metric(name, help)

            UP = register("up", "Whether the target answers.")
            LATENCY = register("latency_seconds", "Request latency.")

            def header_for(m: Metric):
                # every Metric is made at import time: one header per metric
                if m.name not in _headers:
                    _headers[m.name] = f"# HELP {m.name} {m.help}"
                return _headers[m.name]
            """
        ),
        Valid(
            """
            ROOMS = ("general", "random")

            class Gateway:
                def __init__(self):
                    self.rooms = {name: set() for name in ROOMS}

                def join(self, room, client_id):
                    self.rooms[room].add(client_id)  # KeyError for an unknown room

                def leave(self, client_id):
                    for members in self.rooms.values():
                        members.discard(client_id)
            """
        ),
        Valid(
            """
            _cmdline = {}
            _handles = {}

            def sample(alive, info):
                for cache in (_cmdline, _handles):
                    for pid in [p for p in cache if p not in alive]:
                        del cache[pid]
                for pid in alive:
                    _cmdline[pid] = info(pid)
                    _handles[pid] = object()
            """
        ),
        Valid(
            """
            import time

            _health = {}

            class Proxy:
                def __init__(self, backends):
                    self.backends = list(backends)  # configured once

                def health_loop(self, probe):
                    while True:
                        for backend in self.backends:
                            _health[backend.name] = probe(backend)
                        time.sleep(10)
            """
        ),
        Valid(
            """
            _platform_cache = {}
            replace_map = {}

            def platform(aliased=0, terse=0):
                # two flags, only tested for truth: at most four entries
                result = _platform_cache.get((aliased, terse))
                if result is None:
                    result = "Linux" if terse else "Linux-6.1-x86_64"
                    if aliased:
                        result = result.lower()
                    _platform_cache[(aliased, terse)] = result
                return result

            def replace_package(oldname, newname):
                replace_map[oldname] = newname  # names of packages, set by configuration
            """
        ),
        Valid(
            """
            import enum
            from collections import Counter

            import requests

            class Region(enum.Enum):
                US = "us"
                EU = "eu"

            _sessions = {}
            _exit_codes = Counter()

            def _session_for(region):
                if region not in _sessions:
                    _sessions[region] = requests.Session()
                return _sessions[region]

            def fetch(path, *, region=Region.US):  # the default says: a Region
                return _session_for(region).get(path)

            def reap(proc):
                _exit_codes[proc.returncode] += 1  # exit statuses: a fixed table
            """
        ),
        Valid(
            """
            from collections import Counter

            KNOWN_METRICS = frozenset({"temperature", "humidity"})
            _per_metric = Counter()

            def on_message(topic):
                parts = topic.split("/")
                if len(parts) < 4 or parts[3] not in KNOWN_METRICS:
                    return
                device_id, metric = parts[1], parts[3]
                _per_metric[metric] += 1  # one of the known metrics
            """
        ),
        Valid(
            """
            from collections import Counter

            class Gateway:
                def __init__(self, config):
                    self.upstreams = config["upstreams"]
                    self._route_hits = Counter()

                def route_for(self, path):
                    for name, spec in self.upstreams.items():
                        if path.startswith(spec["prefix"]):
                            return name, spec
                    return None, None

                def proxy(self, request):
                    name, spec = self.route_for(request.path)  # a configured upstream, or None
                    self._route_hits[name] += 1

            GATEWAY = Gateway({"upstreams": {}})
            """
        ),
        Valid(
            """
            from myapp import create_engine, settings

            _tenant_engines = {}

            def tenant_engine(tenant):
                engine = _tenant_engines.get(tenant)
                if engine is None:
                    # KeyError for a tenant that is not configured
                    engine = create_engine(settings.TENANTS[tenant]["url"])
                    _tenant_engines[tenant] = engine
                return engine
            """
        ),
        Valid(
            """
            import threading
            from collections import Counter, defaultdict

            _locks = defaultdict(threading.Lock)
            for _name in ("db", "cache", "search"):
                _locks[_name] = threading.Lock()

            _hits = Counter()
            for _route in ("/", "/login"):
                _hits[_route] = 0

            def run(job, fn):
                if job not in _locks:
                    raise KeyError(job)  # only known jobs get past this line
                with _locks[job]:
                    return fn()

            def report(user_id):
                n = _hits[user_id]  # a Counter read inserts nothing
                n += 1
                return n
            """
        ),
        Valid(
            """
            import os
            import sys

            _by_path = {}

            def absolute_file(obj):
                # Reads nothing but its argument: one answer per module.
                return os.path.normcase(os.path.abspath(obj.__file__))

            def module_for(path):
                if path not in _by_path:
                    for module in list(sys.modules.values()):
                        if hasattr(module, "__file__"):
                            _by_path[absolute_file(module)] = module.__name__
                return _by_path.get(path)
            """
        ),
        Valid(
            """
            class ChatHub:
                def __init__(self):
                    self.rooms = {}

            hub = ChatHub()

            def join(room_id, user):
                hub.rooms.setdefault(room_id, set()).add(user)

            def leave(room_id, user):
                members = hub.rooms.get(room_id, set())
                members.discard(user)
                if not members:
                    hub.rooms.pop(room_id, None)
            """
        ),
        Valid(
            """
            from collections import Counter

            class SyncHandler:
                def __init__(self):
                    self.by_kind = Counter()
                    self.usage = Counter()

                def on_any_event(self, event):
                    self.by_kind[event.event_type] += 1  # created, modified, moved, deleted

                def on_command(self, ctx):
                    self.usage[ctx.command.qualified_name] += 1  # the bot's own commands

                def run_forever(self):
                    while True:
                        self.poll()
            """
        ),
        Valid(
            """
            import os
            from collections import deque, defaultdict

            REGISTERS = {"temperature": 0, "pressure": 1}
            UNITS = [int(u) for u in os.environ.get("UNITS", "1,2").split(",")]  # fixed at start

            class Poller:
                def __init__(self, bus):
                    self.bus = bus
                    self.readings = defaultdict(lambda: deque(maxlen=1440))  # bounded entries

                def run(self):
                    while True:
                        for unit in UNITS:
                            values = self.bus.read(unit)
                            for name, raw in zip(REGISTERS, values):  # names: the first argument's
                                self.readings[(unit, name)].append(raw)
            """
        ),
        Valid(
            """
            from collections import Counter

            from flask import abort, request

            ALLOWED_METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})
            counts = Counter()

            def before_request():
                method = request.method.upper()
                if method not in ALLOWED_METHODS:
                    abort(405)  # raises: only the four methods get past
                counts[method] += 1
            """
        ),
        Valid(
            """
            from collections import Counter

            LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}

            class Shipper:
                def __init__(self):
                    self.level_counts = Counter()

                def collect(self, record):
                    level = record.get("level", "")
                    self.level_counts[level if level in LEVELS else "OTHER"] += 1

                def run_forever(self):
                    while True:
                        self.collect(self.read())
            """
        ),
        Valid(
            """
            from collections import deque

            class Aggregator:
                def __init__(self):
                    self.rollups = {"1m": deque(maxlen=60), "1h": deque(maxlen=24)}

                def flush(self, summary, minute):
                    self.rollups["1m"].append(summary)  # a fixed key, a bounded value
                    if minute == 0:
                        self.rollups["1h"].append(summary)

                def run_forever(self):
                    while True:
                        self.flush(self.collect(), self.minute())
            """
        ),
        Valid(
            """
            from collections import Counter

            class AuditMiddleware:
                def __init__(self, get_response):
                    self.get_response = get_response
                    self.view_counts = Counter()

                def __call__(self, request):
                    match = request.resolver_match
                    # the matched route's name: one of the program's URL patterns
                    self.view_counts[match.view_name if match else "<unresolved>"] += 1
                    return self.get_response(request)
            """
        ),
        Valid(
            """
            import asyncio

            class GameServer:
                def __init__(self):
                    self._tasks = set()

                def spawn(self, coro):
                    task = asyncio.get_running_loop().create_task(coro)
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)  # each task removes itself

                async def serve_forever(self):
                    while True:
                        self.spawn(self.tick())
                        await asyncio.sleep(1)
            """
        ),
        Valid(
            """
            from dataclasses import dataclass

            DAGS = {}

            @dataclass
            class Run:
                dag: str  # a field named like the function below: no call of it

            def dag(name, every):
                DAGS[name] = every
                return name

            dag("orders_hourly", 3600)  # filled at import

            class Scheduler:
                def __init__(self):
                    self.last_started = {}

                def tick(self, now):
                    for name in DAGS:
                        self.last_started[name] = now

                def run_forever(self):
                    while True:
                        self.tick(0)
            """
        ),
        Valid(
            """
            from collections import deque

            SYMBOLS = ("AAPL", "MSFT", "NVDA")

            class TickerHub:
                def __init__(self):
                    self.candles: dict[str, deque] = {s: deque(maxlen=390) for s in SYMBOLS}
                    self.last_price: dict[str, float] = {}

                def on_tick(self, tick):
                    if tick.symbol not in self.candles:  # only the configured symbols
                        return
                    self.last_price[tick.symbol] = tick.price
                    self.candles[tick.symbol].append(tick.price)  # a plain dict: no new key

                async def run_forever(self):
                    while True:
                        self.on_tick(await self.next_tick())
            """
        ),
        Valid(
            """
            from collections import Counter

            from flask import Flask, request

            app = Flask(__name__)

            class AdminMetrics:
                def __init__(self):
                    self.page_views = Counter()

                def observe(self, endpoint):
                    self.page_views[endpoint] += 1

            METRICS = AdminMetrics()

            @app.after_request
            def record(response):
                # every call passes the matched view's name: one of the app's routes
                METRICS.observe(request.endpoint or "unknown")
                return response
            """
        ),
        Valid(
            """
            import random
            from collections import Counter, defaultdict, deque

            class Resolver:
                def __init__(self, upstreams):
                    self.upstreams = list(upstreams)
                    self.upstream_errors = Counter()
                    self.prices = defaultdict(lambda: deque(maxlen=100))

                def query(self, name):
                    for upstream in random.sample(self.upstreams, len(self.upstreams)):
                        self.upstream_errors[upstream] += 1  # one of the configured upstreams

                def on_tick(self, symbol, price):
                    if symbol not in self.upstreams:
                        return
                    window = self.prices[symbol]
                    window.append(price)  # a known key, and a bounded entry

                def serve_forever(self):
                    while True:
                        self.query("example.org")
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            class ProfileCache:
                def __init__(self):
                    self.profiles = {}

                def get(self, user_id):
                    return self.profiles.get(user_id)

                def put(self, user_id, profile):
                    self.profiles[user_id] = profile
            """,
            line=3,
            fixed="""
            from collections import OrderedDict
            class ProfileCache:
                MAX_PROFILES_SIZE = 1000

                def __init__(self):
                    self.profiles = OrderedDict()

                def get(self, user_id):
                    if user_id in self.profiles:
                        self.profiles.move_to_end(user_id)
                    return self.profiles.get(user_id)

                def put(self, user_id, profile):
                    if len(self.profiles) >= self.MAX_PROFILES_SIZE and user_id not in self.profiles:
                        self.profiles.popitem(last=False)
                    self.profiles[user_id] = profile
            """,
        ),
        Invalid(
            """
            class CachingEngine:
                def __init__(self):
                    self.cache = {}

                def put(self, key, value):
                    self.cache[key] = value
            """,
            line=3,
            fixed="""
            class CachingEngine:
                MAX_CACHE_SIZE = 1000

                def __init__(self):
                    self.cache = {}

                def put(self, key, value):
                    if len(self.cache) >= self.MAX_CACHE_SIZE and key not in self.cache:
                        self.cache.pop(next(iter(self.cache)))
                    self.cache[key] = value
            """,
        ),
        Invalid(
            """
            import time

            class StatusReader:
                def __init__(self):
                    self.statuses = {}

                def remember(self, agent_id, status):
                    self.statuses[agent_id] = {"status": status, "fetched_at": time.time()}
            """,
            line=5,
            fixed="""
            import time

            class StatusReader:
                MAX_STATUSES_SIZE = 1000

                def __init__(self):
                    self.statuses = {}

                def remember(self, agent_id, status):
                    if len(self.statuses) >= self.MAX_STATUSES_SIZE and agent_id not in self.statuses:
                        oldest = min(self.statuses, key=lambda key: self.statuses[key]["fetched_at"])
                        del self.statuses[oldest]
                    self.statuses[agent_id] = {"status": status, "fetched_at": time.time()}
            """,
        ),
        Invalid(
            """
            from time import monotonic

            class TokenCache:
                def __init__(self):
                    self.tokens = {}
                    self.issued_at = {}

                def store(self, user, token):
                    self.issued_at[user] = monotonic()
                    self.tokens[user] = token
            """,
            line=5,
            fixed="""
            from time import monotonic

            class TokenCache:
                MAX_TOKENS_SIZE = 1000

                def __init__(self):
                    self.tokens = {}
                    self.issued_at = {}

                def store(self, user, token):
                    if len(self.tokens) >= self.MAX_TOKENS_SIZE and user not in self.tokens:
                        oldest = min(self.issued_at, key=self.issued_at.get)
                        self.tokens.pop(oldest, None)
                        del self.issued_at[oldest]
                    self.issued_at[user] = monotonic()
                    self.tokens[user] = token
            """,
        ),
        Invalid(
            """
            from collections import defaultdict

            _by_user = defaultdict(list)

            def record(user, event):
                _by_user[user].append(event)
            """,
            line=3,
        ),
        Invalid(
            """
            class Session:
                seen_tokens = set()

                def accept(self, token):
                    self.seen_tokens.add(token)
            """,
            line=2,
        ),
        Invalid(
            """
            from collections import Counter

            class RequestStats:
                def __init__(self):
                    self.hits = Counter()

                def hit(self, path):
                    counts = self.hits
                    counts[path] += 1

            stats = RequestStats()  # one object for the life of the process
            """,
            line=5,
        ),
        Invalid(
            """
            import requests

            FEED_URL = "https://example.com/feed.json"
            _seen = set()  # the feed URL is constant, the items it returns are not

            def poll():
                for item in requests.get(FEED_URL).json():
                    if item["id"] not in _seen:
                        _seen.add(item["id"])
            """,
            line=4,
        ),
        Invalid(
            """
            _profiles = {}

            def _key(user_id):
                return "user:%s" % user_id  # formats a string: not a ring buffer's slot

            def remember(user_id, profile):
                key = "user:%s" % user_id
                _profiles[key] = profile
            """,
            line=1,
        ),
        Invalid(
            """
            from collections import Counter

            from flask import request

            _path_hits = Counter()  # an imported name is not a constant: a new request each time

            def before_request():
                _path_hits[request.path] += 1
            """,
            line=5,
        ),
        Invalid(
            """
            from dataclasses import dataclass

            @dataclass
            class Visitor:
                user_id: str

            _greeted = {}

            def on_request(payload):
                greet(Visitor(payload["user"]))  # a Visitor per request

            def greet(visitor: Visitor):
                if visitor.user_id not in _greeted:
                    _greeted[visitor.user_id] = f"Hello {visitor.user_id}"
                return _greeted[visitor.user_id]
            """,
            line=7,
        ),
        Invalid(
            """
            import functools

            def memoize_user(fn):
                cache = {}  # lives as long as the decorated function: the process

                @functools.wraps(fn)
                def wrapper(user_id):
                    if user_id not in cache:
                        cache[user_id] = fn(user_id)
                    return cache[user_id]

                return wrapper

            @memoize_user
            def profile(user_id):
                return {"id": user_id}
            """,
            line=4,
        ),
        Invalid(
            """
            from collections import Counter, defaultdict

            _denials = defaultdict(Counter)

            def rate_limited(route):
                def decorator(fn):
                    def wrapper(request):  # runs per request, not when decorating
                        _denials[route][request.client_ip] += 1
                        return fn(request)

                    return wrapper

                return decorator

            @rate_limited("/login")
            def login(request):
                return "ok"
            """,
            line=3,
        ),
        Invalid(
            """
            from collections import defaultdict

            _recently_viewed = defaultdict(list)

            def product(request, pk):
                seen = _recently_viewed[request.user.id]  # the read inserts the key
                seen.append(pk)
                del seen[:-20]  # bounds each list, not the number of users
            """,
            line=3,
        ),
        Invalid(
            """
            import glob

            _offsets = {}

            def follow(path):
                with open(path) as fh:
                    fh.seek(_offsets.get(path, 0))
                    fh.read()
                    _offsets[path] = fh.tell()

            def main():
                while True:
                    for path in glob.glob("/var/log/app/*.log*"):
                        follow(path)

            if __name__ == "__main__":
                main()  # the program's run, not its import
            """,
            line=3,
        ),
        Invalid(
            """
            PROFILES = {}

            def remember(username, profile):
                PROFILES[username] = profile  # a user's name is data, not a component's
            """,
            line=1,
        ),
        Invalid(
            """
            import threading

            class TelemetryIngester:
                def __init__(self):
                    self._stop = threading.Event()
                    self._last_value = {}

                def run(self, client):
                    while not self._stop.is_set():  # runs until told to stop: a service
                        reading = client.next_reading()
                        self._last_value[(reading.device_id, reading.metric)] = reading.value
            """,
            line=6,
        ),
        Invalid(
            """
            import asyncio
            from collections import defaultdict

            class Subscriptions:
                def __init__(self):
                    self._subscribers = defaultdict(set)

                async def subscribe(self, topic):  # per client, not configuration
                    q = asyncio.Queue(maxsize=256)
                    self._subscribers[topic].add(q)
                    try:
                        while True:
                            yield await q.get()
                    finally:
                        self._subscribers[topic].discard(q)  # the empty set stays under its topic

            HUB = Subscriptions()
            """,
            line=6,
        ),
        Invalid(
            """
            import time

            _token_cache = {}

            def validate(token, verify):
                entry = _token_cache.get(token)
                if entry is not None and entry[1] < time.time():
                    del _token_cache[token]  # only if this very token comes back
                    entry = None
                if entry is None:
                    entry = (verify(token), time.time() + 300)
                    _token_cache[token] = entry
                return entry[0]
            """,
            line=3,
        ),
        Invalid(
            """
            import threading
            from collections import defaultdict

            _refresh_locks = defaultdict(threading.Lock)

            def refresh(user_id, fetch):
                with _refresh_locks[user_id]:  # the read inserts a lock per user
                    return fetch(user_id)
            """,
            line=4,
        ),
        Invalid(
            """
            import logging

            _warned_hosts = set()

            def filter_offsite(host):
                if host not in _warned_hosts:  # one entry per host ever seen, not per warning
                    _warned_hosts.add(host)
                    logging.getLogger(__name__).debug("filtered offsite request to %r", host)
            """,
            line=3,
        ),
        Invalid(
            """
            SESSIONS = {}
            _last_seen = {}

            def login(token, user):
                SESSIONS[token] = user

            def touch(token, now):
                if token not in SESSIONS:  # a growing cache, not a fixed set
                    return
                _last_seen[token] = now
            """,
            line=1,
        ),
        Invalid(
            """
            def memo(compute):
                cache = {}  # kept by the lambda, which lives as long as `lookup`
                return lambda key: cache.setdefault(key, compute(key))

            lookup = memo(len)
            """,
            line=2,
        ),
        Invalid(
            """
            from collections import defaultdict

            _recent = defaultdict(list)

            def view(user_id, item):
                if (seen := _recent[user_id]) is not None:  # the read inserts the key
                    seen.append(item)
            """,
            line=3,
        ),
        Invalid(
            """
            import sys
            import time

            _loaded_at = {}

            def stamp(name):
                # A clock makes a new key for the same module on every call.
                return f"{name}@{time.monotonic()}"

            def record():
                for name in list(sys.modules):
                    _loaded_at[stamp(name)] = True
            """,
            line=4,
        ),
        Invalid(
            """
            class ChatHub:
                def __init__(self):
                    self.rooms = {}

            hub = ChatHub()  # one hub for the process: its attributes live as long

            def join(room_id, user):
                hub.rooms.setdefault(room_id, set()).add(user)
            """,
            line=3,
        ),
        Invalid(
            """
            class Lobby:
                def __init__(self):
                    self.rooms = {}

                def room(self, name):
                    # ``name`` reads like a component's name, but the caller below passes
                    # whatever room a client asks for.
                    if name not in self.rooms:
                        self.rooms[name] = []
                    return self.rooms[name]

            lobby = Lobby()

            def on_join(request):
                lobby.room(request.query["room"]).append(request.user)
            """,
            line=3,
        ),
        Invalid(
            """
            from collections import deque, defaultdict

            class Gateway:
                def __init__(self):
                    self.connections = {}
                    self.recent = defaultdict(lambda: deque(maxlen=50))

                def on_connect(self, client_id, conn):
                    self.connections[client_id] = conn

                def on_disconnect(self, client_id):
                    self.connections.pop(client_id, None)

                def on_message(self, client_id, msg):
                    # Checked against who is connected now, but ``recent`` keeps every
                    # client that ever connected: the connections change at run time.
                    if self.connections.get(client_id) is None:
                        return
                    self.recent[client_id].append(msg)

                def serve_forever(self):
                    while True:
                        self.poll()
            """,
            line=6,
        ),
        Invalid(
            """
            from collections import Counter

            CALLS = Counter()
            METHODS = {"ping": lambda params: "pong"}

            def dispatch(req):
                method = req.get("method", "")  # the client's string, whatever the name says
                CALLS[method] += 1
                handler = METHODS.get(method)
                if handler is None:
                    return {"error": "no such method"}
                return handler(req.get("params"))
            """,
            line=3,
        ),
        Invalid(
            """
            import time
            from collections import defaultdict, deque

            class Assistant:
                def __init__(self, model):
                    self.model = model
                    # keyed by user: the object serves many users, so it outlives a request
                    self._rate = defaultdict(lambda: deque(maxlen=20))

                def handle(self, user_id, text):
                    self._rate[user_id].append(time.monotonic())
                    return self.model(text)
            """,
            line=8,
        ),
        Invalid(
            """
            class Reconciler:
                def __init__(self, namespaces):
                    self.namespaces = namespaces
                    self.apply_counts = {}

                def apply(self, widget):
                    self.apply_counts[widget.uid] = self.apply_counts.get(widget.uid, 0) + 1

                def run(self, stop):
                    while True:  # runs until it is told to stop: a service
                        for widget in self.list_widgets():
                            self.apply(widget)
                        if stop.wait(30):
                            return
            """,
            line=4,
        ),
        Invalid(
            """
            from collections import deque

            BUILD_QUEUE = deque()  # UPPER_CASE, but a queue of jobs, not a constant
            BUILDS_BY_SHA = {}

            def on_push(payload):
                BUILD_QUEUE.append({"sha": payload["after"]})

            def build_worker():
                while True:
                    job = BUILD_QUEUE.popleft()
                    BUILDS_BY_SHA[job["sha"]] = run_build(job)
            """,
            line=4,
        ),
        Invalid(
            """
            import http.server
            from collections import defaultdict

            class ResponseCache:
                def __init__(self):
                    self.bytes_by_client = defaultdict(int)

            class ProxyServer(http.server.ThreadingHTTPServer):
                def __init__(self, address, handler):
                    super().__init__(address, handler)
                    self.cache = ResponseCache()

            class ProxyHandler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = b"..."
                    # grown from another class through the object that holds the cache
                    self.server.cache.bytes_by_client[self.client_address[0]] += len(body)
            """,
            line=6,
        ),
        Invalid(
            """
            from aiohttp import web

            class Hub:
                def __init__(self):
                    self.legacy = {}

            async def poll(request):
                hub: Hub = request.app["hub"]  # declared one of ours
                kiosk_id = request.query["id"]
                if kiosk_id not in hub.legacy:
                    hub.legacy[kiosk_id] = object()  # registered on first poll, never expired
                return web.Response()

            def make_app():
                app = web.Application()
                app["hub"] = Hub()  # one hub for the app's life
                app.router.add_get("/poll", poll)
                return app
            """,
            line=5,
        ),
        Invalid(
            """
            SEEN = set()

            def track(user_id):
                SEEN.add(user_id)  # the module's own call passes a constant, the name says users

            def heartbeat():
                track("system")
            """,
            line=1,
        ),
    ]
