"""LK102 unbounded-sequence."""

from __future__ import annotations

from leakscan.rule import Invalid, Valid
from leakscan.rules._container_rule import ContainerRule


class UnboundedSequence(ContainerRule):
    """
    ## What it does
    Flags a long-lived list, `bytearray`, `deque()` without `maxlen` or `queue.Queue()`
    without `maxsize` (a module global, a class attribute or an instance attribute)
    that is appended to at run time and never trimmed.

    ## Why is this bad?
    An append-only history (metrics, events, messages, errors) keeps every item it
    was ever given. In a long-running service it grows with uptime and traffic until
    the process runs out of memory.

    The sequence counts as bounded when any code in its scope removes from it (`pop`,
    `popleft`, `del x[:-n]`, `clear`, `remove`, a slice trim `x = x[-n:]`,
    reassignment), when it is only filled at import time or in `__init__`, or when its
    type is bounded (`deque(maxlen=n)`, `Queue(maxsize=n)`). A removal in a private
    module function that nothing calls, refers to or names in a string does not count:
    it never runs.

    ## Example
    ```python
    class PerformanceMonitor:
        def __init__(self):
            self.metrics_history = []

        def record(self, metric):
            self.metrics_history.append(metric)
    ```

    ## Use instead
    ```python
    from collections import deque

    class PerformanceMonitor:
        MAX_HISTORY = 1000

        def __init__(self):
            self.metrics_history = deque(maxlen=self.MAX_HISTORY)

        def record(self, metric):
            self.metrics_history.append(metric)
    ```

    ## References
    - [`collections.deque`](https://docs.python.org/3/library/collections.html#collections.deque)
    """

    id = "LK102"
    name = "unbounded-sequence"
    container_family = "sequence"
    message = "long-lived sequence is appended to and never trimmed"
    advice = "use deque(maxlen=N) or trim after each append"

    VALID = [
        Valid(
            """
            from collections import deque

            class Monitor:
                def __init__(self):
                    self.history = deque(maxlen=500)

                def record(self, item):
                    self.history.append(item)
            """
        ),
        Valid(
            """
            class Monitor:
                def __init__(self):
                    self.history = []

                def record(self, item):
                    self.history.append(item)
                    if len(self.history) > 100:
                        self.history = self.history[-100:]
            """
        ),
        Valid(
            """
            class Batch:
                def __init__(self):
                    self.items = []

                def add(self, item):
                    self.items.append(item)

                def flush(self):
                    items, self.items = self.items, []
                    return items
            """
        ),
        Valid(
            """
            import queue

            class Worker:
                def __init__(self):
                    self.jobs = queue.Queue()

                def submit(self, job):
                    self.jobs.put(job)

                def run_once(self):
                    return self.jobs.get()
            """
        ),
        Valid(
            """
            __all__ = []
            __all__.append("name")
            PLUGINS = []
            for name in ("a", "b"):
                PLUGINS.append(name)
            """
        ),
        Valid(
            """
            import threading

            class Finder:
                lock = []  # filled once, lazily: the append is guarded by `if not`

                def find_spec(self, name):
                    if not self.lock:
                        self.lock.append(threading.Lock())
                    with self.lock[0]:
                        return name
            """
        ),
        Valid(
            """
            REGISTRY = []

            class Metric:
                def __init__(self, name, help):
                    self.name = name
                    self.help = help
                    REGISTRY.append(self)  # every Metric is made at import: a fixed list

            UP = Metric("up", "Whether the target answers.")
            SCRAPES = Metric("scrapes_total", "Scrapes served.")
            """
        ),
        Valid(
            """
            from dataclasses import dataclass, field

            @dataclass
            class Report:
                errors: list = field(default_factory=list)

            def validate(form, value):
                if not value:
                    form.errors.append("required")  # some other object's errors
            """
        ),
        Valid(
            """
            import sched

            DEAD_LETTERS = []

            def on_failure(task_id, args):
                DEAD_LETTERS.append((task_id, args))

            def _trim_dead_letters(limit=200):
                del DEAD_LETTERS[:-limit]

            JOBS = {"trim": "_trim_dead_letters"}  # looked up by name: it runs
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            _listeners = []

            def on_message(msg, callback):
                _listeners.append(callback)  # one more callback per message, not a registration
                for listener in _listeners:
                    listener(msg)
            """,
            line=1,
        ),
        Invalid(
            """
            class PerformanceMonitor:
                def __init__(self):
                    self.metrics_history = []

                def record(self, metric):
                    self.metrics_history.append(metric)
            """,
            line=3,
            fixed="""
            from collections import deque
            class PerformanceMonitor:
                MAX_METRICS_HISTORY_SIZE = 1000

                def __init__(self):
                    self.metrics_history = deque(maxlen=self.MAX_METRICS_HISTORY_SIZE)

                def record(self, metric):
                    self.metrics_history.append(metric)
            """,
        ),
        Invalid(
            """
            from collections import deque

            events = deque()

            def on_event(event):
                events.append(event)
            """,
            line=3,
        ),
        Invalid(
            """
            class Registry:
                instances = []

                def __init__(self):
                    Registry.instances.append(self)
            """,
            line=2,
        ),
        Invalid(
            """
            import time

            _runners = {}

            class ModelRunner:
                def __init__(self, name):
                    self.name = name
                    self.request_log = []

                def predict(self, client, batch):
                    self.request_log.append((client, len(batch), time.time()))
                    return [0.0 for _ in batch]

            def get_runner(name):
                runner = _runners.get(name)
                if runner is None:
                    runner = ModelRunner(name)
                    _runners[name] = runner  # kept for the process, and so is its log
                return runner
            """,
            line=8,
        ),
        Invalid(
            """
            import threading
            from dataclasses import dataclass, field

            @dataclass
            class IngestStats:
                received: int = 0
                rejected_topics: list = field(default_factory=list)

            class Ingester:
                def __init__(self):
                    self.stats = IngestStats()  # lives as long as the ingester
                    self._stop = threading.Event()

                def run(self, client):
                    while not self._stop.is_set():
                        msg = client.next_message()
                        if not msg.topic.startswith("sensors/"):
                            self.stats.rejected_topics.append(msg.topic)
            """,
            line=7,
        ),
        Invalid(
            """
            DEAD_LETTERS = []

            def on_failure(task_id, args):
                DEAD_LETTERS.append((task_id, args))

            def _trim_dead_letters(limit=200):
                # meant for the beat schedule, but nothing here calls it
                del DEAD_LETTERS[:-limit]
            """,
            line=1,
        ),
        Invalid(
            """
            import time
            from collections import deque

            class Resolver:
                def __init__(self):
                    self._query_log = deque()  # no maxlen

                def lookup(self, name):
                    self._query_log.append((time.time(), name))

            def serve(resolver):
                while True:  # the resolver serves the whole run
                    resolver.lookup(receive())

            def main():
                serve(Resolver())
            """,
            line=6,
        ),
    ]
