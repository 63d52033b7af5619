"""Shared analyses, asked directly: when code runs, which locals outlive their call."""

from __future__ import annotations

import textwrap

import libcst as cst

from leakscan.analyses.containers import ContainerAnalysis
from leakscan.analyses.index import ModuleIndex, build_index
from leakscan.analyses.phases import Phases


def _index(source: str) -> ModuleIndex:
    return build_index(cst.parse_module(textwrap.dedent(source)))


def _phase(index: ModuleIndex, function: str) -> str:
    scope = next(s for s in index.scopes if s.name == function)
    return index.analysis(Phases).of(scope)


def test_a_decorator_factory_runs_at_import_but_the_wrapper_runs_per_call() -> None:
    index = _index(
        """
        def register(name):
            def deco(fn):
                return fn
            return deco

        def timed(fn):
            def wrapper(*args):
                return fn(*args)
            return wrapper

        @register("a")
        @timed
        def handler():
            pass
        """
    )
    assert _phase(index, "register") == "import"
    assert _phase(index, "deco") == "import"
    assert _phase(index, "timed") == "import"
    assert _phase(index, "wrapper") == "runtime"


def test_what_the_main_guard_calls_is_the_programs_run() -> None:
    index = _index(
        """
        def setup():
            pass

        def main():
            pass

        setup()
        if __name__ == "__main__":
            main()
        """
    )
    assert _phase(index, "setup") == "import"
    assert _phase(index, "main") == "runtime"


def test_only_locals_kept_by_a_returned_function_are_closure_containers() -> None:
    index = _index(
        """
        def memoize(fn):
            cache = {}
            def wrapper(key):
                cache[key] = fn(key)
                return cache[key]
            return wrapper

        def parse(args):
            seen = set()
            def take(action):
                seen.add(action)
            for a in args:
                take(a)
            return len(seen)
        """
    )
    closures = [c.symbol for c in index.analysis(ContainerAnalysis).containers if c.lifetime == "closure"]
    assert closures == ["memoize.<locals>.cache"]


def test_analyses_are_computed_once_per_module() -> None:
    index = _index("x = {}\n")
    assert index.analysis(ContainerAnalysis) is index.analysis(ContainerAnalysis)


def test_a_field_grown_from_another_class_gets_no_patch() -> None:
    """``self.MAX_...`` would not exist in the other class: no patch beats a broken one."""
    from leakscan.engine import EngineOptions, scan_source
    from leakscan.registry import all_rules

    source = textwrap.dedent(
        """
        import threading
        from dataclasses import dataclass, field

        @dataclass
        class Stats:
            rejected: list = field(default_factory=list)

        class Ingester:
            def __init__(self):
                self.stats = Stats()
                self._stop = threading.Event()

            def run(self, client):
                while not self._stop.is_set():
                    self.stats.rejected.append(client.next_topic())
        """
    )
    result = scan_source(source.encode(), "ingest.py", EngineOptions(rules=tuple(all_rules())))
    found = [f for f in result.findings if f.symbol == "Stats.rejected"]
    assert found and all(f.fix is None for f in found)
